/**
 * `score` on a tiny PixelCNN run (offline MNIST, two training steps): per-image −log p(x) from NPY, PNG and a folder
 * equals the model's log-likelihood, per-pixel values sum to it, inputs the model cannot score are refused plainly,
 * and `deepgen score --per-pixel --json` prints one JSON line per image.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { encode } from "fast-png";
import { app, data, Generator, tensor } from "../../src/index.js";
import { encodeNpy } from "../../src/data/formats.js";
import { hasExactDensity } from "../../src/models/base.js";
import { assertClose } from "../helpers.js";
import { tempDir } from "../tmp.js";

const dir = tempDir("deepgen-score-");
const runDir = path.join(dir, "run");
const root = path.resolve(import.meta.dirname, "../..");

async function tinyRun(): Promise<void> {
  await app.fit({
    model: "pixelcnn",
    options: { features: 4, blocks: 1, outputHidden: 4 },
    training: { dataset: "mnist-fixed", epochs: 1, batchSize: 20, lr: 1e-3 },
    maxSteps: 2,
    out: runDir,
  });
}

test("score: NLL per image from NPY, PNG and a folder; per-pixel values sum to it; bad inputs refused", async () => {
  await tinyRun();
  const images = data
    .loadDataset("mnist-fixed")
    .split("test")
    .values.slice(0, 3 * 784);
  const npy = path.join(dir, "x.npy");
  writeFileSync(npy, encodeNpy(images, [3, 1, 28, 28]));
  const r = app.score(runDir, { input: npy, perPixel: true });
  assert.equal(r.scores.length, 3);
  const run = app.openRun(runDir);
  assert.ok(hasExactDensity(run.model));
  run.model.eval();
  const lp = run.model.logLikelihood(tensor(images, [3, 784]), new Generator(0)).logp;
  r.scores.forEach((s, i) => {
    assert.equal(s.image, `x.npy[${i}]`);
    assertClose([s.nll_nats], [-lp[i]!], { atol: 1e-6, rtol: 0 }, "NLL = −log p(x)");
    assert.equal(s.per_pixel_nats!.length, 784);
    // float32 terms summed in float64: 784 values of ~1e-7 relative error each
    assertClose([s.per_pixel_nats!.reduce((a, b) => a + b, 0)], [s.nll_nats], { atol: 1e-3, rtol: 0 }, "Σ per-pixel");
    assert.ok(Math.abs(s.bits_per_dim - s.nll_nats / (784 * Math.LN2)) < 1e-12);
  });
  const folder = path.join(dir, "pngs");
  mkdirSync(folder);
  for (let i = 0; i < 2; i++) {
    const px = Uint8Array.from(images.subarray(i * 784, (i + 1) * 784), (v) => v * 255);
    writeFileSync(path.join(folder, `${i}.png`), encode({ width: 28, height: 28, data: px, channels: 1, depth: 8 }));
  }
  const one = app.score(runDir, { input: path.join(folder, "1.png") }).scores[0]!;
  assertClose([one.nll_nats], [r.scores[1]!.nll_nats], { atol: 1e-9, rtol: 0 }, "PNG = NPY");
  assert.equal(one.per_pixel_nats, undefined);
  const all = app.score(runDir, { input: folder }).scores;
  assert.deepEqual(
    all.map((s) => s.image),
    ["0.png", "1.png"],
  );
  const grey = path.join(dir, "grey.npy");
  writeFileSync(
    grey,
    encodeNpy(
      Float32Array.from(images.subarray(0, 784), (v) => v * 0.5),
      [1, 784],
    ),
  );
  assert.throws(() => app.score(runDir, { input: grey }), /not 0 or 1 \(the model was trained on binarized images\)/);
  const wrong = path.join(dir, "wrong.npy");
  writeFileSync(wrong, encodeNpy(new Float32Array(2 * 100), [2, 100]));
  assert.throws(() => app.score(runDir, { input: wrong }), /rows of 100 values cannot be images of 1×28×28/);
  assert.throws(() => app.score(runDir, { input: path.join(dir, "none.png") }), /no such file/);
});

test("deepgen score --per-pixel --json: a line per image with nll_nats, bits_per_dim, per_pixel_nats", async () => {
  const npy = path.join(dir, "x.npy");
  const out = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", path.join(root, "src/cli/main.ts"), "score", runDir, "--input", npy, "--per-pixel", "--json"],
    { cwd: root, maxBuffer: 1 << 24 },
  );
  const lines = out.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.deepEqual(Object.keys(lines[0]), ["image", "nll_nats", "bits_per_dim", "per_pixel_nats"]);
  assert.equal(lines[2].per_pixel_nats.length, 784);
});
