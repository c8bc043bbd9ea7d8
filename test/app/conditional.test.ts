/**
 * Class-conditional models end to end: fit hands each batch's labels to a model that declares "class-conditional",
 * `deepgen sample --label` draws that class, and the conditional's logits depend on the label; `deepgen sample --code`
 * picks the latent code of a dcgan trained with InfoGAN's codes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { app, Generator, models, tensor } from "../../src/index.js";
import type { GatedPixelCNN } from "../../src/models/pixel/gated-pixelcnn.js";
import { tempDir } from "../tmp.js";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", path.join(root, "src/cli/main.ts"), ...args], { cwd: root });
const dir = tempDir("deepgen-cond-");
const options = { features: 4, layers: 2, outputHidden: 4, firstKernel: 3, classes: 10 };

test("a conditional Gated PixelCNN trains on labelled MNIST and samples a class through the CLI", async () => {
  const out = path.join(dir, "g");
  const training = { epochs: 1, batchSize: 8, lr: 1e-3, dataset: "mnist-fixed" };
  // the loss refuses a batch without labels, so finishing the steps shows that fit passed them
  const r = await app.fit({ model: "gated-pixelcnn", config: JSON.stringify({ options, training }), out, maxSteps: 2 });
  assert.equal(r.steps, 2);
  const s = app.sample(out, { n: 4, seed: 1, label: 3 });
  assert.deepEqual(Array.from(s.labels!), [3, 3, 3, 3]);
  const grid = app.sample(out, { n: 12, seed: 1 });
  assert.deepEqual(Array.from(grid.labels!), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1], "no label: the classes in turn");
  assert.throws(() => app.sample(out, { n: 1, label: 10 }), /label 10 is out of range: .* classes 0 … 9/);

  const png = path.join(dir, "three.png");
  const c = await cli("sample", out, "--label", "3", "-n", "4", "--out", png);
  assert.match(c.stdout, /wrote 4 samples/);
  assert.ok(existsSync(png));
});

test("an unconditional model refuses --label, and a conditional one refuses unlabelled data", async () => {
  const out = path.join(dir, "u");
  const training = { epochs: 1, batchSize: 8, lr: 1e-3, dataset: "mnist-fixed" };
  const config = JSON.stringify({ options: { ...options, classes: 0 }, training });
  await app.fit({ model: "gated-pixelcnn", config, out, maxSteps: 1 });
  assert.throws(() => app.sample(out, { n: 1, label: 3 }), /cannot sample a given class/);
  const m = models.createModel(
    models.getModelSpec("gated-pixelcnn"),
    options,
    { dim: 16, shape: [1, 4, 4] },
    new Generator(0),
  );
  assert.ok(models.isClassConditional(m));
  assert.throws(() => models.labelsFor(m, null, "binarized-mnist"), /needs labels; binarized-mnist has none/);
});

test("a dcgan with InfoGAN's codes trains; sample --code picks a code, other models refuse it", async () => {
  const out = path.join(dir, "info");
  const training = { epochs: 1, batchSize: 8, lr: 2e-4, dataset: "mnist" };
  const config = JSON.stringify({ options: { width: 4, noiseDim: 6, codes: 3, init: "uniform" }, training });
  const r = await app.fit({ model: "dcgan", config, out, maxSteps: 2 });
  assert.equal(r.steps, 2);
  const drawn = app.sample(out, { n: 6, seed: 1 });
  const [c0, c2, again] = [0, 2, 0].map((code) => app.sample(out, { n: 6, seed: 1, code }));
  assert.deepEqual(c0!.values, again!.values, "the same seed and code give the same images");
  assert.ok(
    c0!.values.some((v, i) => Math.abs(v - c2!.values[i]!) > 1e-4),
    "the code does not reach the images",
  );
  assert.ok(
    [c0, c2].some((c) => c!.values.some((v, i) => Math.abs(v - drawn.values[i]!) > 1e-4)),
    "codes drawn at random equal a fixed code for every image",
  );
  assert.throws(() => app.sample(out, { n: 1, code: 3 }), /code 3 is out of range: dcgan draws codes 0 … 2/);
  assert.throws(() => app.sample(out, { n: 1, code: 0, rejection: 0 }), /drop --code/);
  const png = path.join(dir, "code.png");
  const c = await cli("sample", out, "--code", "1", "-n", "4", "--out", png);
  assert.match(c.stdout, /wrote 4 samples/);
  const plain = path.join(dir, "u");
  if (!existsSync(plain)) {
    const cfg = JSON.stringify({ options: { ...options, classes: 0 }, training });
    await app.fit({ model: "gated-pixelcnn", config: cfg, out: plain, maxSteps: 1 });
  }
  assert.throws(() => app.sample(plain, { n: 1, code: 0 }), /has no latent code to pick/);
});

test("conditional logits depend on the label: the loss has a nonzero gradient on the class embedding", () => {
  const shape: [number, number, number] = [1, 5, 5];
  const m = models.createModel(
    models.getModelSpec("gated-pixelcnn"),
    options,
    { dim: 25, shape },
    new Generator(2),
  ) as GatedPixelCNN;
  const g = new Generator(3),
    x = tensor(
      Float32Array.from(g.uniform01(2 * 25), (u) => (u < 0.4 ? 1 : 0)),
      [2, 25],
    );
  const a = m.outputParams(x, Int32Array.from([3, 3])).toArray(),
    b = m.outputParams(x, Int32Array.from([5, 5])).toArray();
  assert.ok(
    a.some((v, i) => Math.abs(v - b[i]!) > 1e-4),
    "logits under class 3 and class 5 differ",
  );
  const [phase] = m.trainingPhases();
  phase!.loss(x, { generator: g, step: 0, epoch: 0, labels: Int32Array.from([3, 7]) }).backward();
  const cond = m.layers[0]!.cond!,
    grad = cond.weight.grad!.toArray(),
    classes = 10;
  const column = (k: number): number[] => grad.filter((_, i) => i % classes === k);
  // a one-hot input reaches only the columns of the classes in the batch
  for (const k of [3, 7])
    assert.ok(
      column(k).some((v) => v !== 0),
      `class ${k} column has a gradient`,
    );
  for (const k of [0, 5, 9])
    assert.ok(
      column(k).every((v) => v === 0),
      `class ${k} (absent) has none`,
    );
});

test("without labels a conditional model scores the marginal: Σₓ p(x) = 1, per-pixel terms sum to it", () => {
  const opts = { features: 4, layers: 2, outputHidden: 4, firstKernel: 3, classes: 3 };
  const m = models.createModel(
    models.getModelSpec("gated-pixelcnn"),
    opts,
    { dim: 4, shape: [1, 2, 2] },
    new Generator(5),
  ) as GatedPixelCNN;
  // all 16 binary 2×2 images
  const x = tensor(
    Float32Array.from({ length: 64 }, (_, k) => (Math.floor(k / 4) >> (k % 4)) & 1),
    [16, 4],
  );
  const g = new Generator(0);
  const marginal = m.logLikelihood(x, g).logp;
  const total = marginal.reduce((s, v) => s + Math.exp(v), 0);
  assert.ok(Math.abs(total - 1) < 1e-5, `Σₓ p(x) = ${total} (tolerance 1e-5, float32 network)`);
  // against the definition: log (1/C) Σ_y p(x | y)
  const byClass = [0, 1, 2].map((y) => m.logLikelihood(x, g, new Int32Array(16).fill(y)).logp);
  for (let i = 0; i < 16; i++) {
    const want = Math.log(byClass.reduce((s, lp) => s + Math.exp(lp[i]!), 0) / 3);
    assert.ok(Math.abs(marginal[i]! - want) < 1e-6, `image ${i}: ${marginal[i]} vs ${want} (tolerance 1e-6)`);
  }
  const per = m.perPixelLogLikelihood(x);
  for (let i = 0; i < 16; i++) {
    const s = per.slice(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(s - marginal[i]!) < 1e-9, `per-pixel terms of image ${i} sum to its log p(x) (1e-9)`);
    assert.ok(
      per.slice(i * 4, i * 4 + 4).every((v) => v <= 1e-9),
      "each term is a log-probability",
    );
  }
});
