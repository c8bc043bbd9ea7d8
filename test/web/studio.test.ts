/**
 * The studio's page in a real browser (Debian's chromium driven by playwright-core): the runs table and a run's page
 * with its curve and samples; training from the generated options form, watched live to the end; drawing and scoring;
 * the 2-D playground. Skips when chromium is missing.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { fit } from "../../src/app/index.js";
import { tempStudio } from "../server/helpers.js";
import { tempDir } from "../tmp.js";

const CHROMIUM = "/usr/bin/chromium";
const missing = existsSync(CHROMIUM)
  ? false
  : `no ${CHROMIUM}: install it (apt-get install -y chromium) to run the browser tests`;

let studio: Awaited<ReturnType<typeof tempStudio>>;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** Screenshots of each view, kept as test artefacts in $DEEPGEN_SCREENSHOTS (the README's come from here). */
const shots = process.env.DEEPGEN_SCREENSHOTS ?? tempDir("deepgen-screens-");
const shoot = async (name: string): Promise<void> => {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
};

before(async () => {
  if (missing) return;
  studio = await tempStudio();
  // a finished run to look at, trained in-process before the page opens
  await fit({
    model: "made",
    out: path.join(studio.runsDir, "seeded"),
    options: { hidden: [8] },
    training: { dataset: "mnist-fixed", epochs: 1, batchSize: 5000, lr: 0.02 },
  });
  // and a tiny VAE for the latent-space page
  await fit({
    model: "vae",
    out: path.join(studio.runsDir, "latent2"),
    options: { hidden: [8], latent: 2, evalSamples: 2 },
    training: { dataset: "mnist-fixed", epochs: 1, batchSize: 5000, lr: 0.02 },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = await browser.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  // a failed request or a logged error is a fault of the page too
  page.on("console", (m) => m.type() === "error" && pageErrors.push(`console: ${m.text()}`));
});
after(async () => {
  await browser?.close();
  await studio?.close();
});

test("runs table, a run's curve and samples", { skip: missing }, async () => {
  await page.goto(studio.url);
  // the built page (Preact, bundled by Vite) has rendered and marked itself ready
  await page.waitForSelector('html[data-ready="true"] #nav a[data-route="train"]');
  await page.waitForSelector('table.runs tr[data-id="seeded"]');
  assert.match(
    (await page.textContent('tr[data-id="seeded"]')) ?? "",
    /made.*mnist-fixed.*1 \/ 1.*\(exact\).*finished/,
  );
  await page.click('th[data-key="model"]');
  assert.match((await page.textContent('th[data-key="model"]')) ?? "", /▲/);
  await page.click('tr[data-id="seeded"]');
  await page.waitForSelector('.live[data-epochs="1"]');
  await page.waitForSelector('.samples canvas[data-images="36"]');
  assert.ok(await page.$(".live .uplot"), "the curve is drawn");
  // trained outside this studio: no step points, the epoch's train and valid values at its step (10)
  assert.equal(await page.getAttribute(".live .curve", "data-points"), "0,1,1");
  await shoot("runs");
  assert.deepEqual(pageErrors, []);
});

test("train from the generated form and watch it finish live", { skip: missing }, async () => {
  await page.goto(`${studio.url}#train`);
  await page.selectOption('select[name="model"]', "made");
  // the options form comes from the model's JSON Schema
  await page.fill('form.options input[name="hidden"]', "8");
  await page.selectOption('select[name="dataset"]', "mnist-fixed");
  await page.fill('input[name="epochs"]', "2");
  await page.fill('input[name="batchSize"]', "1000");
  await page.fill('input[name="name"]', "from-page");
  await page.click("button.start");
  await page.waitForURL(/#run\/from-page$/);
  await page.waitForSelector('.live[data-state="done"][data-epochs="2"]', { timeout: 120_000 });
  assert.match((await page.textContent(".live .result")) ?? "", /finished after 2 epochs.*test NLL \d+\.\d+ nats/);
  // the run's own line, read when the page opened ("not tested yet"), is re-read when the training ends
  await page.waitForFunction(() =>
    /^test NLL \d+\.\d+ nats/.test(document.querySelector("p.test-line")?.textContent ?? ""),
  );
  // the chart holds every step's train point (2 epochs of 50,000 images in batches of 1000: 100) and per epoch two
  assert.equal(await page.getAttribute(".live .curve", "data-points"), "100,2,2");
  const lastValues = async (): Promise<number[]> => {
    // the legend shows the values under the cursor: the right edge is the last step
    const box = (await (await page.waitForSelector(".live .u-over", { state: "visible" })).boundingBox())!;
    await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
    const cells = await page.$$eval(".live .u-legend .u-series .u-value", (els) => els.map((e) => e.textContent));
    return cells.slice(1).map(Number);
  };
  const nats = await lastValues();
  await page.selectOption(".live select.unit", "bits");
  await page.waitForSelector('.curves[data-unit="bits"]');
  // the unit is in the chart's title, so the chart is rebuilt after the render: wait for the new one
  await page.waitForFunction(() => document.querySelector(".live .u-title")?.textContent === "bits per dimension");
  assert.equal(await page.getAttribute(".live .curve", "data-points"), "100,2,2");
  const bits = await lastValues();
  // a value in bits/dim is the same loss over 784 ln 2 (3 significant digits: the legend rounds)
  for (let i = 0; i < 3; i++)
    assert.ok(Math.abs(bits[i]! - nats[i]! / (784 * Math.LN2)) < 2e-3 * bits[i]! + 1e-3, `${nats} vs ${bits}`);
  assert.ok(nats[0]! > 50 && bits[0]! < 1, `${nats} nats, ${bits} bits/dim`);
  const config = await (await fetch(new URL("api/runs/from-page", studio.url))).json();
  assert.deepEqual(config.config.options.hidden, [8]);
  await shoot("train");
  assert.deepEqual(pageErrors, []);
});

test("draw a stroke and score it", { skip: missing }, async () => {
  await page.goto(`${studio.url}#draw`);
  const box = (await (await page.waitForSelector("canvas.draw")).boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 10 });
  await page.mouse.up();
  const cell = await page.waitForSelector("table.scores td.nats");
  const nats = Number(await cell.textContent());
  assert.ok(nats > 10 && nats < 2000, `−log p(x) = ${nats} nats`);
  await shoot("draw");
  assert.deepEqual(pageErrors, []);
});

test("the 2-D playground trains a GAN live", { skip: missing }, async () => {
  await page.goto(`${studio.url}#playground`);
  await page.selectOption('select[name="model"]', "gan");
  await page.fill('input[name="steps"]', "60");
  await page.click("button.train");
  await page.waitForSelector('.playground[data-state="done"][data-step="60"]', { timeout: 60_000 });
  assert.equal(await page.isVisible("canvas.field"), true, "the discriminator's field is shown");
  await shoot("playground");
  assert.deepEqual(pageErrors, []);
});

test("complete: a drawn top half gets eight completions", { skip: missing }, async () => {
  await page.goto(`${studio.url}#complete`);
  const box = (await (await page.waitForSelector("canvas.draw")).boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.4, { steps: 8 });
  await page.mouse.up();
  await page.click("button.complete");
  const grid = await page.waitForSelector(".completions canvas");
  const size = (await grid.boundingBox())!;
  assert.ok(size.width > 100 && size.height > 100, `a grid of completions, ${size.width}×${size.height}`);
  assert.match((await page.textContent(".completions p")) ?? "", /8 completions under [\w-]+/);
  await shoot("complete");
  assert.deepEqual(pageErrors, []);
});

test("compare: the chosen run's test NLL beside the published number, and its samples", { skip: missing }, async () => {
  await page.goto(`${studio.url}#compare`);
  await page.waitForSelector("button.go");
  await page.selectOption("select", "seeded");
  await page.click("button.go");
  const row = await page.waitForSelector('table.compare tr[data-id="seeded"]');
  const text = (await row.textContent()) ?? "";
  assert.match(text, /made/);
  assert.match(text, /88\.4/, "the published figure of made is shown");
  await page.waitForSelector(".grids canvas");
  await shoot("compare");
  assert.deepEqual(pageErrors, []);
});

test("latent space: test images on the 2-D plane, a decoded grid, an interpolation", { skip: missing }, async () => {
  await page.goto(`${studio.url}#latent`);
  await page.waitForSelector("button.show");
  await page.selectOption("select", "latent2");
  await page.click("button.show");
  await page.waitForSelector(".map canvas.scatter");
  assert.match((await page.textContent(".map")) ?? "", /test images in the 2-D latent space/);
  assert.match((await page.textContent(".map")) ?? "", /decoded across the same plane/);
  await page.click('button:text-is("Interpolate")');
  await page.waitForSelector(".interp canvas");
  await shoot("latent");
  assert.deepEqual(pageErrors, []);
});
