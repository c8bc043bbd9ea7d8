/**
 * VQ-VAE: nearest-code assignment against brute force, the straight-through gradient identity, the moving-average
 * codebook rule on a hand example, dead-code restarts, perplexity, the model's capabilities and a short training run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Adam, Generator, tensor, noGrad } from "../../src/index.js";
import {
  emaCodebookStep,
  nearestCodes,
  perplexity,
  straightThrough,
  VQVAE,
  options as vqOptions,
} from "../../src/models/latent/vq-vae.js";
import { assertClose, randomTensor } from "../helpers.js";

test("nearestCodes picks argmin_j ‖z − e_j‖² (brute force), ties to the lowest index", () => {
  const g = new Generator(31);
  const z = randomTensor(g, [40, 3], { grad: false }),
    cb = randomTensor(g, [7, 3], { grad: false });
  const zv = z.toArray(),
    cv = cb.toArray();
  const brute = Array.from({ length: 40 }, (_, i) => {
    let best = 0,
      bestD = Infinity;
    for (let k = 0; k < 7; k++) {
      let d = 0;
      for (let c = 0; c < 3; c++) d += (zv[i * 3 + c]! - cv[k * 3 + c]!) ** 2;
      if (d < bestD) [best, bestD] = [k, d];
    }
    return best;
  });
  assert.deepEqual([...nearestCodes(z, cb)], brute);
  // two identical codes: the first wins
  const twin = tensor([1, 1, 0, 0, 0, 0], [3, 2], { dtype: "float64" });
  assert.deepEqual([...nearestCodes(tensor([0.1, -0.2], [1, 2], { dtype: "float64" }), twin)], [1]);
});

test("straight-through: the value is z_q, the gradient w.r.t. z_e is the gradient w.r.t. z_q", () => {
  const g = new Generator(32);
  const ze = randomTensor(g, [6, 4]);
  const cb = randomTensor(g, [5, 4], { grad: false });
  const w = randomTensor(g, [6, 4], { grad: false });
  const zq = cb.indexSelect(0, nearestCodes(ze, cb));
  const f = (z: typeof ze) => z.tanh().mul(w).sum(); // a nonlinear loss, so the point of evaluation matters
  const st = straightThrough(ze, zq);
  assertClose(st.toArray(), zq.toArray(), { atol: 1e-15, rtol: 0 }, "forward value"); // float64: exact up to rounding
  f(st).backward();
  const leaf = zq.detach().requireGrad();
  f(leaf).backward();
  assertClose(ze.grad!.toArray(), leaf.grad!.toArray(), { atol: 1e-15, rtol: 0 }, "∂L/∂z_e = ∂L/∂z_q");
});

test("moving-average codebook step on a hand example (with and without Laplace smoothing)", () => {
  const z = [3, 1, 1, 1, 0, 4],
    codes = Int32Array.from([0, 0, 1]);
  const fresh = () => ({ counts: Float64Array.from([1, 1]), sums: Float64Array.from([1, 0, 0, 2]) });
  // γ = 0.75: N = [0.75·1 + 0.25·2, 0.75·1 + 0.25·1] = [1.25, 1]; m_0 = 0.75·(1, 0) + 0.25·(4, 2) = (1.75, 0.5);
  // m_1 = 0.75·(0, 2) + 0.25·(0, 4) = (0, 2.5); without smoothing e = m/N
  const s = fresh();
  const plain = emaCodebookStep(s, z, codes, 0.75, 0);
  assertClose(s.counts, [1.25, 1], { atol: 1e-12, rtol: 0 }, "N");
  assertClose(s.sums, [1.75, 0.5, 0, 2.5], { atol: 1e-12, rtol: 0 }, "m");
  assertClose(plain, [1.4, 0.4, 0, 2.5], { atol: 1e-12, rtol: 0 }, "e (ε = 0)");
  // ε = 0.1: n = 2.25, Ñ_0 = 1.35·2.25/2.45, Ñ_1 = 1.1·2.25/2.45
  const n0 = (1.35 * 2.25) / 2.45,
    n1 = (1.1 * 2.25) / 2.45;
  assertClose(
    emaCodebookStep(fresh(), z, codes, 0.75, 0.1),
    [1.75 / n0, 0.5 / n0, 0, 2.5 / n1],
    { atol: 1e-12, rtol: 0 },
    "ε",
  );
});

test("perplexity is K for uniform use and 1 for a single code", () => {
  assertClose([perplexity([3, 3, 3, 3])], [4], { atol: 1e-12, rtol: 0 }, "uniform");
  assertClose([perplexity([0, 9, 0])], [1], { atol: 1e-12, rtol: 0 }, "one code");
  assertClose(
    [perplexity([1, 3])],
    [Math.exp(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)))],
    { atol: 1e-12, rtol: 0 },
    "H",
  );
});

const small = { dim: 12, shape: [1, 3, 4] as [number, number, number] };
/** Binary images near four prototypes: something a 2-code model can compress. */
function prototypes(n: number, g: Generator) {
  const protos = Array.from({ length: 4 }, (_, p) =>
    Array.from({ length: 12 }, (_, i) => ((i * (p + 3)) % 5 < 2 ? 1 : 0)),
  );
  const pick = g.integers(n, 4),
    flip = g.uniform01(n * 12);
  return tensor(
    Array.from({ length: n * 12 }, (_, k) => {
      const v = protos[pick[Math.floor(k / 12)]!]![k % 12]!;
      return flip[k]! < 0.05 ? 1 - v : v;
    }),
    [n, 12],
  );
}

test("vq-vae: dead codes restart at encoder outputs of the batch; embed returns codebook vectors", () => {
  const cfg = { ...vqOptions.parse({}), hidden: [8], latents: 2, codeDim: 3, codebookSize: 16, restartThreshold: 0.5 };
  const m = new VQVAE(cfg, small, new Generator(1));
  const x = prototypes(6, new Generator(2));
  const phase = m.trainingPhases()[0]!;
  assert.ok(!phase.parameters.includes(m.codebook), "an EMA codebook must not be a trained parameter");
  phase.loss(x, { generator: new Generator(3), step: 0, epoch: 0 });
  const ze = noGrad(() => m.encode(x)).toArray();
  const before = Array.from(m.codebook.data);
  phase.afterUpdate!(x, { generator: new Generator(4), step: 0, epoch: 0 });
  const after = Array.from(m.codebook.data);
  // 12 encoder vectors use at most 12 of 16 codes; every code whose use fell below 0.5 now equals one of them
  let restarted = 0;
  for (let k = 0; k < 16; k++) {
    if (m.usage.data[k]! !== 1) continue;
    const row = after.slice(k * 3, k * 3 + 3);
    const match = Array.from({ length: 12 }, (_, i) => ze.slice(i * 3, i * 3 + 3)).some((v) =>
      v.every((a, c) => Math.abs(a - row[c]!) < 1e-6),
    );
    assert.ok(match, `restarted code ${k} is not an encoder output`);
    assert.notDeepEqual(row, before.slice(k * 3, k * 3 + 3));
    restarted++;
  }
  assert.ok(restarted >= 4, `only ${restarted} codes restarted`);
  const e = m.embed(x).toArray();
  const codes = m.codes(x);
  codes.forEach((k, i) =>
    assertClose(e.slice(i * 3, i * 3 + 3), after.slice(k * 3, k * 3 + 3), { atol: 0, rtol: 0 }, "embed"),
  );
});

test("vq-vae trains: reconstruction loss falls, codes are used, samples and reconstructions are in [0, 1]", () => {
  for (const codebookUpdate of ["ema", "loss"] as const) {
    const cfg = { ...vqOptions.parse({}), hidden: [16], latents: 2, codeDim: 4, codebookSize: 8, codebookUpdate };
    const g = new Generator(5);
    const m = new VQVAE(cfg, small, g);
    const phase = m.trainingPhases()[0]!;
    assert.equal(phase.parameters.includes(m.codebook), codebookUpdate === "loss");
    const opt = new Adam(phase.parameters, { lr: 1e-2 });
    const held = prototypes(200, new Generator(6));
    const nll = () => -m.logLikelihood(held).logp.reduce((a, b) => a + b, 0) / 200;
    const first = nll();
    for (let i = 0; i < 300; i++) {
      const batch = prototypes(32, g);
      const loss = phase.loss(batch, { generator: g, step: i, epoch: 0 });
      opt.zeroGrad();
      loss.backward();
      opt.step();
      phase.afterUpdate!(batch, { generator: g, step: i, epoch: 0 });
    }
    // 12 near-binary pixels from 4 prototypes: the untrained model pays ~12·ln 2 ≈ 8.3 nats; 5% flips cost ~2.4
    const last = nll();
    assert.ok(last < 0.6 * first, `${codebookUpdate}: reconstruction NLL ${first} → ${last}`);
    assert.ok(m.codebookUsage(held).perplexity > 2, `${codebookUpdate}: codebook collapsed`);
    const s = m.sample(20, new Generator(7)).toArray();
    assert.ok(
      s.every((v) => v >= 0 && v <= 1) &&
        m
          .reconstruct(held)
          .toArray()
          .every((v) => v >= 0 && v <= 1),
    );
  }
});
