/**
 * Out-of-distribution scores: the likelihood ratio against the closed form of two product-Bernoulli densities (real
 * FVSBN models with zero weights), the complexity score on random images, typicality, perturbed datasets, and a tiny
 * `deepgen anomaly ood` run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { decode } from "fast-png";
import { data, Generator } from "../../src/index.js";
import { evaluateNll } from "../../src/eval/likelihood.js";
import { encodeImagePng } from "../../src/data/png.js";
import { oodScores, pngComplexityBits, topK } from "../../src/eval/ood.js";
import { FVSBN } from "../../src/models/autoregressive/fvsbn.js";
import { noisyDataset, parseNoiseName, perturb } from "../../src/data/perturb.js";
import { assertClose } from "../helpers.js";
import { tempDir } from "../tmp.js";

const D = 24;

/** An FVSBN with zero weights and biases logit(p): exactly the product of Bernoulli(p_i). */
function productBernoulli(p: Float64Array): FVSBN {
  const m = new FVSBN({ zeroInit: true }, { dim: D, shape: [1, 1, D] }, new Generator(0));
  m.layer.bias!.data.set(Array.from(p, (v) => Math.log(v / (1 - v))));
  return m;
}

test("likelihood ratio: −log p(x) + log q(x) of two product-Bernoulli models equals the closed form", () => {
  const g = new Generator(21);
  const p = Float64Array.from(g.uniform01(D), (u) => 0.05 + 0.9 * u),
    q = Float64Array.from(g.uniform01(D), (u) => 0.05 + 0.9 * u);
  const n = 300;
  const u = g.uniform01(n * D);
  // half the images drawn from p, half from q
  const values = Float32Array.from(u, (v, k) => (v < (Math.floor(k / D) < n / 2 ? p : q)[k % D]! ? 1 : 0));
  const split: data.Split = { name: "test", n, dim: D, shape: [1, 1, D], values, labels: null };
  const nllP = evaluateNll(productBernoulli(p), split, { batchSize: 64, keepPerImage: true }).perImage!;
  const nllQ = evaluateNll(productBernoulli(q), split, { batchSize: 64, keepPerImage: true }).perImage!;
  const s = oodScores({ nll: nllP, backgroundNll: nllQ })["likelihood-ratio"]!;
  const want = Float64Array.from({ length: n }, (_, i) => {
    let llr = 0; // log p(x) − log q(x) = Σ x log(p/q) + (1 − x) log((1 − p)/(1 − q))
    for (let j = 0; j < D; j++)
      llr += values[i * D + j] ? Math.log(p[j]! / q[j]!) : Math.log((1 - p[j]!) / (1 - q[j]!));
    return -llr;
  });
  // the models compute in float32: 24 log-sigmoids of logits ≤ 3.0 in size, each exact to ~1e-6; 1e-4 nats absolute
  assertClose(s, want, { atol: 1e-4, rtol: 0 }, "likelihood ratio");
  // and it tells the halves apart as it should: images from q score higher on average
  const mean = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(mean(s.subarray(n / 2)) > mean(s.subarray(0, n / 2)));
});

test("complexity: L(x) is the length of a lossless PNG; noise costs ≥ 8 bits a pixel, a flat image far less", () => {
  const g = new Generator(4);
  const noise = Float32Array.from(g.integers(784, 256), (k) => k / 255);
  const flat = new Float32Array(784).fill(0.5);
  const L = pngComplexityBits(noise, [1, 28, 28]);
  const bytes = encodeImagePng(noise, [1, 28, 28]);
  assert.equal(L, 8 * bytes.length);
  // lossless: the PNG decodes to the same bytes
  const back = decode(bytes);
  assert.deepEqual(
    [...back.data],
    Array.from(noise, (v) => Math.round(v * 255)),
  );
  // 784 uniform random bytes cannot be coded in fewer than 784·8 bits (up to a negligible chance)
  assert.ok(L >= 784 * 8, `noise: ${L} bits`);
  assert.ok(pngComplexityBits(flat, [1, 28, 28]) < 1200, "a flat image compresses to a few hundred bits");
  // colour: three planes, interleaved into RGB pixels
  const rgb = Float32Array.from(g.uniform01(3 * 4 * 5));
  const dec = decode(encodeImagePng(rgb, [3, 4, 5]));
  assert.equal(dec.channels, 3);
  assert.equal(dec.data[3 * 7 + 2], Math.round(rgb[2 * 20 + 7]! * 255));
  // the score: −log₂ p(x) − L(x), exact for given inputs (1e-9 relative)
  const nll = Float64Array.from([3000, 2000]);
  const s = oodScores({ nll, complexityBits: Float64Array.from([L, 500]), trainNll: 2500 });
  assertClose(s.complexity!, [3000 / Math.LN2 - L, 2000 / Math.LN2 - 500], { atol: 0, rtol: 1e-9 }, "complexity");
  assert.deepEqual([...s.typicality!], [500, 500]);
  assert.deepEqual(topK([0.1, 5, 3, 5], 3), [1, 3, 2]);
  assert.throws(() => oodScores({ nll, backgroundNll: new Float64Array(3) }), /3 backgroundNll for 2 images/);
});

test("perturbed data: μ of the values changed (flipped, or a uniform level), test split clean, seeded", () => {
  const g = new Generator(8);
  const binary = Float32Array.from(g.uniform01(100000), (u) => (u < 0.3 ? 1 : 0));
  const flipped = perturb(binary, 0.2, true, new Generator(1));
  const changed = flipped.reduce((c, v, i) => c + (v !== binary[i] ? 1 : 0), 0) / binary.length;
  // 100k draws: the fraction's standard error is 1.3e-3; 0.01 is over seven of them
  assert.ok(Math.abs(changed - 0.2) < 0.01, `flipped ${changed}`);
  const grey = Float32Array.from(g.integers(100000, 256), (k) => k / 255);
  const noisy = perturb(grey, 0.3, false, new Generator(1));
  // a replaced value equals the old one with chance 1/256, so about 0.3·255/256 of them change
  const moved = noisy.reduce((c, v, i) => c + (v !== grey[i] ? 1 : 0), 0) / grey.length;
  assert.ok(Math.abs(moved - (0.3 * 255) / 256) < 0.01, `changed ${moved}`);
  assert.ok(noisy.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4));
  assert.deepEqual(perturb(grey, 0.3, false, new Generator(1)), noisy);
  assert.deepEqual(parseNoiseName("mnist-fixed[noise=0.25]"), { base: "mnist-fixed", noise: 0.25 });
  assert.equal(parseNoiseName("mnist"), null);
  const base = data.loadDataset("mnist-fixed");
  const ds = noisyDataset(base, 0.1);
  assert.equal(ds.split("test"), base.split("test"));
  assert.notDeepEqual(ds.split("valid").values, base.split("valid").values);
  assert.equal(data.loadDataset("mnist[noise=0.2]").name, "mnist[noise=0.2]");
});

const dataDir = process.env.DEEPGEN_DATA_DIR ?? path.resolve(import.meta.dirname, "../../../shared/data");
const haveFashion = data.hasFashionMnist(dataDir);

test(
  "deepgen anomaly ood: a tiny binarized run writes JSON (AUROC in [0, 1]), histograms and top-16 grids",
  { skip: haveFashion ? false : "Fashion-MNIST not installed (apt-get install -y dataset-fashion-mnist)" },
  async () => {
    const runs = tempDir("deepgen-ood-");
    const main = path.resolve(import.meta.dirname, "../../src/cli/main.ts");
    const args = ["anomaly", "ood", "--model", "made", "--binarized", "--max-steps", "2", "--limit", "30"];
    const config = JSON.stringify({ options: { hidden: [16] }, training: { batchSize: 50 } });
    const r = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", main, ...args, "--runs", runs, "--config", config, "--data-dir", dataDir, "--json"],
      { maxBuffer: 1 << 24 },
    );
    const out = JSON.parse(r.stdout) as {
      in: string;
      out: string;
      n_in: number;
      n_out: number;
      rows: Array<{ score: string; auroc: number; top16_png: string }>;
      histograms_png: string;
    };
    assert.equal(out.in, "fashion-mnist-fixed");
    assert.equal(out.out, "mnist-fixed");
    assert.deepEqual([out.n_in, out.n_out], [30, 30]);
    assert.deepEqual(
      out.rows.map((x) => x.score),
      ["nll", "likelihood-ratio", "complexity", "typicality"],
    );
    for (const row of out.rows) {
      assert.ok(row.auroc >= 0 && row.auroc <= 1, `${row.score}: ${row.auroc}`);
      assert.ok(existsSync(row.top16_png));
    }
    assert.ok(existsSync(out.histograms_png));
    assert.ok(existsSync(path.join(runs, "ood-made-fashion-mnist-fixed-noise0.1", "last.safetensors")));
  },
);
