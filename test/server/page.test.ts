/**
 * The studio serves the page that Vite built into dist/web (its script and stylesheet under /assets/), and refuses
 * to start without a build, saying how to make one.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { startStudio } from "../../src/server/server.js";
import { tempStudio } from "./helpers.js";
import { tempDir } from "../tmp.js";

let studio: Awaited<ReturnType<typeof tempStudio>>;
before(async () => {
  studio = await tempStudio();
});
after(async () => {
  await studio.close();
});

test("the built page and its bundled assets are served", async () => {
  const page = await fetch(studio.url);
  assert.equal(page.status, 200);
  const html = await page.text();
  const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  const style = /<link rel="stylesheet" crossorigin href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1];
  assert.ok(script && style, `the built index.html names its bundle: ${html}`);
  const js = await fetch(new URL(script, studio.url));
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type") ?? "", /javascript/);
  // uPlot is bundled in, not fetched from node_modules
  assert.match(await js.text(), /uplot/i);
  assert.equal((await fetch(new URL(style, studio.url))).status, 200);
});

test("without a built page the studio says how to build it", async () => {
  const dir = tempDir("deepgen-noweb-");
  await assert.rejects(
    startStudio({ runsDir: path.join(dir, "runs"), port: 0, webDir: path.join(dir, "web") }),
    /the studio's page is not built .*run `npm run build:web`/,
  );
});
