/**
 * VQ-VAE + PixelCNN prior: the prior's dependency test over the code grid, Σ_z p(z) = 1 over every grid of a tiny
 * prior, sampling frequencies against p(z), the bound as its two terms computed by hand, the prior phase leaving
 * the VQ-VAE without gradients while its loss falls, and `freezeVq` training the prior alone.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Adam, Generator, models, noGrad, tensor, type Tensor } from "../../src/index.js";
import { CodePrior, type CodeGrid } from "../../src/models/latent/code-prior.js";
import { VQVAEPrior, options as priorOptions } from "../../src/models/latent/vq-vae-prior.js";
import { Trainer } from "../../src/train/trainer.js";
import type { Dataset } from "../../src/data/datasets.js";
import type { Split } from "../../src/data/split.js";
import { assertClose } from "../helpers.js";

const tiny = { features: 8, blocks: 2, kernel: 3, firstKernel: 3, outputHidden: 8 };

/** A prior with random weights scaled by `gain`, so the conditionals are far from uniform. */
function makePrior(grid: CodeGrid, seed = 1, gain = 2): CodePrior {
  const p = new CodePrior(grid, tiny, new Generator(seed));
  noGrad(() => {
    for (const t of p.parameters()) t.data.set(t.mul(gain).data);
  });
  return p.eval();
}

/** Every grid of P positions over K codes, [K^P · P], position 0 varying slowest. */
function allGrids(P: number, K: number): Int32Array {
  const n = K ** P,
    out = new Int32Array(n * P);
  for (let g = 0; g < n; g++) for (let i = 0, r = g; i < P; i++, r = Math.floor(r / K)) out[g * P + P - 1 - i] = r % K;
  return out;
}

test("code prior: ∂ logits_i / ∂ input_j = 0 for j ≥ i in raster order, ≠ 0 for neighbours (3×3)", () => {
  const grid = { rows: 3, cols: 3, codes: 4 },
    P = 9,
    K = 4,
    B = 3;
  const prior = makePrior(grid),
    g = new Generator(2);
  for (let i = 0; i < P; i++) {
    // a random real-valued input (not just one-hot rows) so every weight can carry a gradient
    const x = tensor(Float32Array.from(g.normal01(B * K * P)), [B, K, 3, 3]).requireGrad();
    const w = new Float32Array(B * K * P);
    const r = g.uniform01(B * K);
    for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) w[(b * K + k) * P + i] = 0.5 + r[b * K + k]!;
    prior
      .forward(x)
      .mul(tensor(w, [B, K, 3, 3]))
      .sum()
      .backward();
    const grad = x.grad!.toArray();
    const support = new Set(grad.flatMap((v, j) => (v !== 0 ? [j % P] : [])));
    for (const j of support) assert.ok(j < i, `logits at position ${i} depend on position ${j}`);
    // the left neighbour and the one above are always in view (PixelCNN's blind spot lies up and to the right)
    if (i % 3 > 0) assert.ok(support.has(i - 1), `position ${i} ignores its left neighbour`);
    if (i >= 3) assert.ok(support.has(i - 3), `position ${i} ignores the position above it`);
  }
});

test("code prior: Σ_z p(z) = 1 within 1e-6 over all 81 grids of a 2×2 prior with K = 3", () => {
  const prior = makePrior({ rows: 2, cols: 2, codes: 3 }, 3);
  const lp = noGrad(() => prior.logProb(allGrids(4, 3)).toArray());
  const total = lp.reduce((s, v) => s + Math.exp(v), 0);
  // float32 log-softmax: ~1e-7 relative error per conditional, four per grid, so the sum is good to ~5e-7
  assert.ok(Math.abs(total - 1) < 1e-6, `Σ p = ${total}`);
  // far from uniform (1/81 each), so a broken ordering could not pass by accident
  assert.ok(Math.max(...lp.map(Math.exp)) > 3 / 81, "the random prior is nearly uniform");
});

test("code prior: samples follow p(z): TV over the 81 grids ≤ 0.03 with 10^5 samples", () => {
  const prior = makePrior({ rows: 2, cols: 2, codes: 3 }, 4);
  const p = noGrad(() => prior.logProb(allGrids(4, 3)).toArray()).map(Math.exp);
  const n = 100000,
    s = prior.sample(n, new Generator(5)),
    counts = new Float64Array(81);
  for (let b = 0; b < n; b++) counts[((s[4 * b]! * 3 + s[4 * b + 1]!) * 3 + s[4 * b + 2]!) * 3 + s[4 * b + 3]!]!++;
  const tv = 0.5 * p.reduce((acc, pz, i) => acc + Math.abs(pz - counts[i]! / n), 0);
  // an exact sampler's expected TV here is about 0.01; one conditional drawn at the wrong position moves far more
  assert.ok(tv < 0.03, `TV = ${tv}`);
});

function tinyModel(seed: number, extra: Record<string, unknown> = {}): VQVAEPrior {
  const cfg = priorOptions.parse({
    ...extra,
    hidden: [6],
    latents: 4,
    gridWidth: 2,
    codeDim: 2,
    codebookSize: 3,
    priorFeatures: 8,
    priorBlocks: 1,
    priorFirstKernel: 3,
    priorOutputHidden: 8,
  });
  return new VQVAEPrior(cfg, { dim: 6, shape: [1, 2, 3] }, new Generator(seed));
}

test("vq-vae-prior: the bound is −log p(x|z_q) − log p(z_q), both by hand; non-binary input is refused", () => {
  const m = tinyModel(7),
    g = new Generator(8),
    n = 5;
  const x = tensor(
    Float32Array.from(g.uniform01(n * 6), (u) => (u < 0.5 ? 1 : 0)),
    [n, 6],
  );
  const xv = x.toArray();
  const codes = m.vq.codes(x);
  const mean = m.decodeMean(m.vq.lookup(codes)).toArray();
  const logits = noGrad(() => m.prior.forward(m.prior.oneHot(codes))).toArray();
  const byHand = Array.from({ length: n }, (_, b) => {
    let rec = 0,
      pri = 0;
    for (let j = 0; j < 6; j++) rec -= Math.log(xv[b * 6 + j] === 1 ? mean[b * 6 + j]! : 1 - mean[b * 6 + j]!);
    for (let i = 0; i < 4; i++) {
      const row = [0, 1, 2].map((k) => logits[(b * 3 + k) * 4 + i]!);
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      pri -= row[codes[b * 4 + i]!]! - lse;
    }
    return { rec, pri };
  });
  const t = m.boundTerms(x),
    r = m.logLikelihood(x);
  assert.equal(r.estimator, "vq-bound");
  // float32 network outputs; σ then log by hand against the fused cross-entropy: ~1e-6 relative per term
  assertClose(
    t.reconstruction,
    byHand.map((h) => h.rec),
    { atol: 1e-4, rtol: 1e-5 },
    "reconstruction",
  );
  assertClose(
    t.prior,
    byHand.map((h) => h.pri),
    { atol: 1e-4, rtol: 1e-5 },
    "prior",
  );
  assertClose(
    r.logp,
    byHand.map((h) => -h.rec - h.pri),
    { atol: 2e-4, rtol: 1e-5 },
    "bound",
  );
  assert.throws(() => m.logLikelihood(tensor(new Float32Array(6).fill(0.5), [1, 6])), /binary pixels/);
});

test("vq-vae-prior: the prior phase trains only the prior and its NLL falls; samples lie in [0, 1]", () => {
  const m = tinyModel(9),
    g = new Generator(10);
  const phases = m.trainingPhases();
  assert.deepEqual(
    phases.map((p) => p.name),
    ["vq-vae", "prior"],
  );
  const prior = phases[1]!;
  // two prototype images with 10% flips: their code grids repeat, so a prior can learn them
  const batch = (k: number) => {
    const u = g.uniform01(k * 6);
    return tensor(
      Float32Array.from(u, (v, i) => ((((Math.floor(i / 6) % 2) + (i % 6)) % 2 === 0) !== v < 0.1 ? 1 : 0)),
      [k, 6],
    );
  };
  const opt = new Adam(prior.parameters, { lr: 1e-2 }),
    held = batch(64);
  const first = m.priorLoss(held).item();
  for (let i = 0; i < 60; i++) {
    for (const p of m.parameters()) p.grad = null;
    prior.loss(batch(32), { generator: g, step: i, epoch: 0 }).backward();
    for (const p of m.vq.parameters()) assert.equal(p.grad, null, "the prior's loss reached the VQ-VAE");
    opt.step();
  }
  const last = m.priorLoss(held).item();
  assert.ok(last < 0.7 * first, `prior NLL ${first} → ${last}`);
  const s = m.sample(16, new Generator(11)).toArray();
  assert.ok(
    s.every((v) => v >= 0 && v <= 1),
    "samples out of [0, 1]",
  );
});

test("vq-vae-prior: freezeVq trains only the prior; every VQ-VAE weight and buffer stays bit for bit", () => {
  const g = new Generator(12);
  const values = Float32Array.from(g.uniform01(8 * 6), (u) => (u < 0.4 ? 1 : 0));
  const x = tensor(values, [8, 6]);
  const split: Split = { name: "train", n: 8, dim: 6, shape: [1, 2, 3], values, labels: null };
  const ds: Dataset = { name: "synthetic", binarization: "fixed", source: "memory", split: () => split };
  const training = { dataset: "synthetic", epochs: 1, batchSize: 8, lr: 1e-2 };
  /** [VQ-VAE state changed, prior changed] after three trainer steps on the random batch */
  const changes = (freezeVq: boolean): [boolean, boolean] => {
    const m = tinyModel(13, { freezeVq });
    const snapshot = (t: Map<string, Tensor>) => new Map([...t].map(([k, v]) => [k, Float32Array.from(v.data)]));
    const vq0 = snapshot(m.vq.stateDict()),
      prior0 = snapshot(m.prior.stateDict());
    const t = new Trainer({ model: m, dataset: ds, runDir: "/nonexistent", training, seed: 0 });
    assert.deepEqual(
      t.phases.map((p) => p.name),
      freezeVq ? ["prior"] : ["vq-vae", "prior"],
    );
    for (let step = 0; step < 3; step++) t.trainStep(x, { generator: new Generator(14), step, epoch: 0, labels: null });
    const moved = (before: Map<string, Float32Array>, now: Map<string, Tensor>) =>
      [...now].some(([k, v]) => v.data.some((w, i) => w !== before.get(k)![i]));
    return [moved(vq0, m.vq.stateDict()), moved(prior0, m.prior.stateDict())];
  };
  assert.deepEqual(changes(true), [false, true], "freezeVq: the VQ-VAE moved or the prior did not");
  // the control: without it both move, so the check above can tell
  assert.deepEqual(changes(false), [true, true]);
});

test("vq-vae-prior: the prior-stage recipe trains the prior alone; long and wide train both", () => {
  const spec = models.getModelSpec("vq-vae-prior");
  const phases = (recipe: string) => {
    const options = { ...models.getRecipe(spec, recipe).options, hidden: [5], priorFeatures: 4, priorOutputHidden: 4 };
    const m = models.createModel(spec, options, { dim: 6, shape: [1, 2, 3] }, new Generator(15)) as VQVAEPrior;
    return m.trainingPhases().map((p) => p.name);
  };
  assert.deepEqual(phases("prior-stage"), ["prior"]);
  for (const r of ["long", "wide"]) assert.deepEqual(phases(r), ["vq-vae", "prior"], r);
});
