/**
 * The studio's API over real HTTP on a random port: training in a child process through the same `fit` as the CLI,
 * seen live by two event streams at once; the runs list; samples; stop and resume; scores equal to `evaluate`'s;
 * completions keep the drawn half; plain errors for bad requests.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { evaluate, observedMask } from "../../src/app/index.js";
import { principalAxes } from "../../src/app/latent-map.js";
import { loadDataset } from "../../src/data/datasets.js";
import { Generator } from "../../src/tensor/rng.js";
import { bytesOf, call, readEvents, tempStudio, type Json, type SseEvent } from "./helpers.js";

let studio: Awaited<ReturnType<typeof tempStudio>>;
before(async () => {
  studio = await tempStudio();
});
after(async () => {
  await studio.close();
});

/** Every step point a stream carried, in arrival order. */
const pointsOf = (es: SseEvent[]): Json[] => es.filter((e) => e.event === "steps").flatMap((e) => e.data.points);

/** Asserts the points are steps first..last, one each, in order (strictly increasing, no gaps). */
function assertEveryStep(points: Json[], first: number, last: number): void {
  assert.deepEqual(
    points.map((p) => p.step),
    Array.from({ length: last - first + 1 }, (_, i) => first + i),
  );
}

const TINY = {
  model: "made",
  dataset: "mnist-fixed",
  options: { hidden: [16] },
  training: { epochs: 2, batchSize: 2500, lr: 0.02 },
  seed: 3,
};

test("a run trains off the event loop, two streams see the same epochs, the list and samples follow", async () => {
  const start = await call(studio.url, "POST", "/train", { ...TINY, name: "t1" });
  assert.equal(start.status, 202, JSON.stringify(start.body));
  assert.equal(start.body.id, "t1");
  let servedWhileTraining = false;
  // two tabs: both streams replay from the start and see every epoch record
  const [a, b] = await Promise.all([
    readEvents(studio.url, "t1", async (e) => {
      if (e.event === "progress" && !servedWhileTraining) {
        const runs = await call(studio.url, "GET", "/runs");
        servedWhileTraining = runs.body.some((r: Json) => r.id === "t1" && r.job.state === "training");
      }
    }),
    readEvents(studio.url, "t1"),
  ]);
  assert.ok(servedWhileTraining, "the API answered with the run in state training while it trained");
  const metrics = (es: SseEvent[]) => es.filter((e) => e.event === "metrics").map((e) => e.data.record);
  assert.deepEqual(metrics(a), metrics(b), "both streams carry the same records");
  assert.deepEqual(
    metrics(a).map((r) => r.epoch),
    [0, 1],
  );
  for (const r of metrics(a)) assert.ok(r.train_loss > 50 && r.valid_nll_nats > 50 && r.estimator === "exact");
  assert.ok(a.some((e) => e.event === "progress" && e.data.fraction > 0 && e.data.fraction <= 1));
  const done = a.find((e) => e.event === "done")!.data.result;
  assert.equal(done.status, "finished");
  // one point per step reached both streams: 2 epochs of 50,000 images in batches of 2500
  assert.equal(done.steps, 40);
  assertEveryStep(pointsOf(a), 1, 40);
  assert.deepEqual(pointsOf(a), pointsOf(b), "both streams carry the same points");
  for (const p of pointsOf(a)) {
    // MADE scores exactly: bits/dim is the loss over 784 ln 2 (1e-12 relative: one division in float64)
    assert.ok(Math.abs(p.bits_per_dim - p.loss / (784 * Math.LN2)) <= 1e-12 * p.bits_per_dim, JSON.stringify(p));
    assert.ok(p.seconds >= 0 && p.seconds < 600);
  }
  for (const r of metrics(a)) {
    const epoch = pointsOf(a).filter((p) => p.step > r.step - 20 && p.step <= r.step);
    // each epoch's train_loss is the mean of its steps' losses (1e-9 relative: float64 sums in a different order)
    const mean = epoch.reduce((x, p) => x + p.loss, 0) / epoch.length;
    assert.ok(Math.abs(mean - r.train_loss) <= 1e-9 * r.train_loss, `epoch ${r.epoch}: ${mean} vs ${r.train_loss}`);
    // the epoch's last rate is the optimizer's (MADE's recipe decays it on a cosine; same float64 formula)
    assert.ok(Math.abs(epoch.at(-1)!.lr - r.lr) <= 1e-12 * r.lr, `${epoch.at(-1)!.lr} vs ${r.lr}`);
    assert.ok(epoch[0].lr > epoch.at(-1)!.lr, "the rate decays within the epoch");
  }
  // a tab that opens after the end gets the same points from the kept history
  assert.deepEqual(pointsOf(await readEvents(studio.url, "t1")), pointsOf(a));
  // the run directory is an ordinary run: evaluate (as `deepgen eval` calls it) reproduces the reported test NLL
  const ev = evaluate(`${studio.runsDir}/t1`);
  assert.ok(Math.abs(ev.nll_nats - done.metrics.nll_nats) < 1e-9, `${ev.nll_nats} vs ${done.metrics.nll_nats}`);

  const list = await call(studio.url, "GET", "/runs");
  const row = list.body.find((r: Json) => r.id === "t1");
  assert.equal(row.status, "finished");
  assert.equal(row.epochs, 2);
  assert.equal(row.best_valid_nll_nats, Math.min(...metrics(a).map((r) => r.valid_nll_nats)));
  assert.equal(row.valid_estimator, "exact");
  assert.equal(row.test_nll_nats, done.metrics.nll_nats);
  assert.deepEqual(row.capabilities, ["exact-density", "sampler", "completer", "latent", "trainable"]);

  const s = await call(studio.url, "GET", "/runs/t1/samples?n=4&seed=1");
  assert.deepEqual([s.body.n, s.body.shape], [4, [1, 28, 28]]);
  const px = bytesOf(s.body);
  assert.equal(px.length, 4 * 784);
  assert.ok(
    px.every((v) => v === 0 || v === 255),
    "a binary model's samples are 0 or 1",
  );
  assert.ok(px.some((v) => v === 255));
});

test(
  "scores: the API's −log p(x) of test images equals evaluate's scores; " + "noise ranks above the test set",
  async () => {
    const dir = `${studio.runsDir}/t1`;
    const test = loadDataset("mnist-fixed").split("test");
    const images = Array.from(test.values.subarray(0, 3 * 784));
    const r = await call(studio.url, "POST", "/score", { runs: ["t1"], images });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const row = r.body.rows[0];
    const per = evaluate(dir, { scores: true }).scores!;
    // exact estimator on the same images: equal up to float32 summation order (1e-6 relative)
    for (let i = 0; i < 3; i++)
      assert.ok(Math.abs(row.nll_nats[i] - per[i]!) <= 1e-6 * per[i]!, `${row.nll_nats[i]} vs ${per[i]}`);
    assert.ok(Math.abs(row.bits_per_dim[0] - row.nll_nats[0] / (784 * Math.LN2)) < 1e-12);
    assert.equal(row.estimator, "exact");
    assert.equal(row.reference.n, 500);
    // uniform noise (thresholded to random bits) is far less likely than any digit
    const g = new Generator(7);
    const noise = Array.from(g.uniform01(784));
    const n = await call(studio.url, "POST", "/score", { runs: ["t1"], images: noise });
    assert.ok(n.body.rows[0].nll_nats[0] > row.reference.median_nll_nats + 100);
    assert.equal(n.body.rows[0].percentile[0], 100);
    const rank = await call(studio.url, "POST", "/score", { runs: ["t1", "nope"], images: images.slice(0, 784) });
    assert.ok(rank.body.rows[0].percentile[0] >= 0 && rank.body.rows[0].percentile[0] < 100);
    assert.match(rank.body.rows[1].error, /no run "nope"/);
  },
);

test("completions keep the observed half of the drawing and fill the rest", async () => {
  const test = loadDataset("mnist-fixed").split("test");
  const image = Array.from(test.values.subarray(784, 2 * 784));
  const r = await call(studio.url, "POST", "/complete", { run: "t1", image, keep: "top", samples: 3, seed: 2 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const px = bytesOf(r.body);
  const observed = observedMask([1, 28, 28], "top");
  let differs = 0;
  for (let k = 0; k < 3; k++)
    for (let p = 0; p < 784; p++) {
      if (observed[p]) assert.equal(px[k * 784 + p], image[p]! * 255, `sample ${k} pixel ${p} is observed`);
      else if (px[k * 784 + p] !== px[p]) differs++;
    }
  assert.ok(differs > 0, "the completions differ from each other in the unobserved half");
});

test("stop saves the position, resume finishes the run", async () => {
  const started = await call(studio.url, "POST", "/train", {
    ...TINY,
    training: { ...TINY.training, epochs: 1, batchSize: 1000 },
    name: "t2",
  });
  assert.equal(started.status, 202);
  let stopped = false;
  const first = await readEvents(studio.url, "t2", async (e) => {
    if (e.event === "progress" && !stopped) {
      stopped = true;
      assert.equal((await call(studio.url, "POST", "/runs/t2/stop")).status, 200);
    }
  });
  const r1 = first.find((e) => e.event === "done")!.data.result;
  assert.equal(r1.status, "interrupted");
  assert.ok(r1.steps > 0 && r1.steps < 50, `stopped inside the epoch at step ${r1.steps}`);
  const mid = (await call(studio.url, "GET", "/runs/t2")).body;
  assert.equal(mid.status, "stopped");
  assert.equal((await call(studio.url, "POST", "/runs/t2/stop")).status, 404, "nothing to stop");
  assert.equal((await call(studio.url, "POST", "/runs/t2/resume", {})).status, 202);
  const conflict = await call(studio.url, "POST", "/runs/t2/resume", {});
  assert.equal(conflict.status, 409, "one process per run");
  const second = await readEvents(studio.url, "t2");
  const r2 = second.find((e) => e.event === "done")!.data.result;
  assert.equal(r2.status, "finished");
  assert.equal(r2.steps, 50, "50,000 images in batches of 1000, counted across both sessions");
  // the stream of the resumed run replays the first session's points and continues them, every step once
  assertEveryStep(pointsOf(second), 1, 50);
  assert.deepEqual(pointsOf(second).slice(0, r1.steps), pointsOf(first));
  assert.equal((await call(studio.url, "GET", "/runs/t2")).body.status, "finished");
});

test("bad requests get a message a user can act on", async () => {
  const bad = await call(studio.url, "POST", "/train", { model: "made", options: { hidden: "x" } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /option "hidden" must be an array of positive integers/);
  const unknown = await call(studio.url, "POST", "/train", { model: "nope" });
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.error, /unknown model "nope"; known: .*made/);
  assert.equal((await call(studio.url, "GET", "/runs/missing")).status, 404);
  assert.equal((await call(studio.url, "GET", "/runs/..%2Fetc")).status, 404);
  // MADE embeds (its first hidden layer) but has no decoder: a PCA plane of the points, no decoded grid
  const lat = await call(studio.url, "GET", "/runs/t1/latent?n=50");
  assert.equal(lat.status, 200);
  assert.equal(lat.body.projection, "pca");
  assert.equal(lat.body.grid, undefined);
  const models = await call(studio.url, "GET", "/models");
  const made = models.body.find((m: Json) => m.name === "made");
  assert.equal(made.optionsSchema.properties.hidden.type, "array");
});

test("latent map: a 2-D latent is drawn as is, with a decoded grid spanning the embedded points", async () => {
  const started = await call(studio.url, "POST", "/train", {
    model: "vae",
    dataset: "mnist-fixed",
    options: { hidden: [16], latent: 2, evalSamples: 1 },
    training: { epochs: 1, batchSize: 500 },
    name: "v",
    maxSteps: 3,
  });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  await readEvents(studio.url, "v");
  const m = await call(studio.url, "GET", "/runs/v/latent?size=3&n=50");
  assert.equal(m.status, 200, JSON.stringify(m.body));
  assert.equal(m.body.projection, "latent");
  assert.equal(m.body.points.length, 50);
  assert.deepEqual([m.body.grid.n, m.body.grid.size], [9, 3]);
  const us = m.body.points.map((p: number[]) => p[0]);
  assert.deepEqual(m.body.extent.u, [Math.min(...us), Math.max(...us)]);
  assert.equal(bytesOf(m.body.grid).length, 9 * 784);
});

test("principal axes of points with a known covariance: orthonormal, the first along the widest direction", () => {
  const g = new Generator(5);
  const n = 4000,
    u = g.uniform01(3 * n),
    x = new Float32Array(3 * n);
  // independent uniforms scaled 5, 2, 0.5 then rotated 45° in the first two coordinates: axis 1 ∝ (1, 1, 0)
  for (let i = 0; i < n; i++) {
    const a = 5 * (u[3 * i]! - 0.5),
      b = 2 * (u[3 * i + 1]! - 0.5);
    [x[3 * i], x[3 * i + 1], x[3 * i + 2]] = [(a - b) / Math.SQRT2, (a + b) / Math.SQRT2, 0.5 * (u[3 * i + 2]! - 0.5)];
  }
  const { axes } = principalAxes(x, n, 3);
  const dot = (p: number[], q: number[]) => p.reduce((s, v, j) => s + v * q[j]!, 0);
  // tolerance 0.01: sampling error of a 4000-point covariance with well-separated eigenvalues
  assert.ok(Math.abs(Math.abs(dot(axes[0]!, [Math.SQRT1_2, Math.SQRT1_2, 0])) - 1) < 0.01, `${axes[0]}`);
  assert.ok(Math.abs(Math.abs(dot(axes[1]!, [-Math.SQRT1_2, Math.SQRT1_2, 0])) - 1) < 0.01, `${axes[1]}`);
  assert.ok(Math.abs(dot(axes[0]!, axes[1]!)) < 1e-6 && Math.abs(dot(axes[1]!, axes[1]!) - 1) < 1e-6);
});

test("deepgen studio prints its address, creates the runs directory and serves the API", async () => {
  const runs = `${studio.runsDir}-cli`;
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "studio", "--runs", runs, "--port", "0"],
    {
      cwd: path.resolve(import.meta.dirname, "../.."),
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(d.toString());
        if (m) resolve(m[1]!);
      });
      child.on("exit", (code) => reject(new Error(`studio exited with ${code}`)));
    });
    assert.ok(existsSync(runs));
    assert.deepEqual((await call(url, "GET", "/runs")).body, []);
    assert.match(await (await fetch(url)).text(), /deepgen studio/);
  } finally {
    child.kill("SIGINT");
  }
});
