/**
 * The DReG gradient of the IWAE bound (Tucker et al. 2019): its value is the bound's, its decoder gradient the
 * bound's own, its encoder gradient Σ_j w̃_j² ∂log w_j/∂z_j · ∂z_j/∂φ (log q's parameters fixed), and its
 * expectation the bound's gradient (the estimator is unbiased).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, randn, noGrad, tensor, Tensor, bceWithLogits } from "../../src/index.js";
import { VAE, iwaeOptions } from "../../src/models/latent/vae.js";
import { assertClose, randomTensor } from "../helpers.js";

const D = 6,
  B = 3,
  k = 4,
  L = 2;
const shape = { dim: D, shape: [1, 1, D] as [number, number, number] };

function pair(): [VAE, VAE] {
  const cfg = { ...iwaeOptions.parse({}), hidden: [5], latent: L, k };
  return [new VAE(cfg, shape, new Generator(11)), new VAE({ ...cfg, gradient: "dreg" }, shape, new Generator(11))];
}

const params = (m: VAE, part: "encoder" | "decoder"): Tensor[] =>
  m[part].layers.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight]));

/** The loss's value and the gradients of encoder and decoder, flattened, for one draw `seed`. */
function gradients(m: VAE, x: Tensor, seed: number): { value: number; enc: number[]; dec: number[] } {
  for (const p of m.parameters()) p.zeroGrad();
  const loss = m.loss(x, new Generator(seed));
  loss.backward();
  const flat = (ps: Tensor[]) => ps.flatMap((p) => Array.from(p.grad!.toArray()));
  return { value: loss.item(), enc: flat(params(m, "encoder")), dec: flat(params(m, "decoder")) };
}

const images = (seed: number) =>
  randomTensor(new Generator(seed), [B, D], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);

test("DReG: the bound's value and the decoder's gradient are the IWAE bound's, for the same draws", () => {
  const [iwae, dreg] = pair(),
    x = images(2);
  for (const seed of [3, 4, 5]) {
    const a = gradients(iwae, x, seed),
      b = gradients(dreg, x, seed);
    assertClose([b.value], [a.value], { atol: 1e-4, rtol: 1e-6 }, `value, draw ${seed}`);
    assertClose(b.dec, a.dec, { atol: 1e-5, rtol: 1e-4 }, `decoder gradient, draw ${seed}`);
    // the encoder's gradient is a different estimator: it must differ somewhere for random weights
    assert.ok(
      b.enc.some((g, i) => Math.abs(g - a.enc[i]!) > 1e-4),
      `encoder gradients differ, draw ${seed}`,
    );
  }
});

test("DReG: the encoder's gradient is Σ_j w̃_j² ∂log w_j/∂z_j · ∂z_j/∂φ, from a leaf z", () => {
  const [, dreg] = pair(),
    x = images(6);
  for (const seed of [7, 8]) {
    const got = gradients(dreg, x, seed).enc;
    // the same draws: randn([k·B, L]) is the loss's first use of the generator
    const eps = randn([k * B, L], { generator: new Generator(seed) });
    const q = dreg.encode(x);
    const rep = (t: Tensor) =>
      t
        .reshape(1, B, L)
        .expand(k, B, L)
        .reshape(k * B, L);
    const mu = rep(q.loc),
      ls = rep(q.logScale);
    const z = mu.add(ls.exp().mul(eps));
    // log w_j at a free z_j, with log q(z|x) at the current (fixed) parameters
    const zLeaf = noGrad(() => z.add(0)).requireGrad();
    const xk = x
      .reshape(1, B, D)
      .expand(k, B, D)
      .reshape(k * B, D);
    const logW = (zz: Tensor, m: Tensor, s: Tensor) => {
      const logPx = bceWithLogits(dreg.decode(zz), xk, { reduction: "none" }).sum(1).neg();
      const e = zz.sub(m).div(s.exp());
      return logPx.add(zz.square().sum(1).mul(-0.5)).sub(e.square().sum(1).mul(-0.5).sub(s.sum(1)));
    };
    const lw = logW(zLeaf, mu.detach(), ls.detach());
    lw.sum().backward();
    const dLdz = zLeaf.grad!; // row j holds ∂log w_j/∂z_j (rows do not interact)
    const lwv = Array.from(lw.toArray());
    const w2 = new Float32Array(k * B);
    for (let b = 0; b < B; b++) {
      const col = Array.from({ length: k }, (_, s) => lwv[s * B + b]!);
      const m = Math.max(...col),
        tot = col.reduce((t, v) => t + Math.exp(v - m), 0);
      for (let s = 0; s < k; s++) w2[s * B + b] = (Math.exp(col[s]! - m) / tot) ** 2;
    }
    // −(1/B) Σ_j w̃_j² g_j · z_j(φ) has the wanted encoder gradient (the loss is a mean over images, negated)
    for (const p of dreg.parameters()) p.zeroGrad();
    const coeff = noGrad(() => dLdz.mul(tensor(Array.from(w2), [k * B, 1], { dtype: "float32" })));
    z.mul(coeff).sum().div(-B).backward();
    const want = params(dreg, "encoder").flatMap((p) => Array.from(p.grad!.toArray()));
    assertClose(got, want, { atol: 1e-5, rtol: 1e-3 }, `encoder gradient, draw ${seed}`);
  }
});

test("DReG is unbiased: over 1,500 shared draws its encoder gradient averages to the IWAE bound's", () => {
  const [iwae, dreg] = pair(),
    x = images(9);
  const n = 1500,
    P = params(iwae, "encoder").reduce((t, p) => t + p.size, 0);
  const sum = new Float64Array(P),
    sq = new Float64Array(P),
    sumAbs = new Float64Array(P);
  for (let r = 0; r < n; r++) {
    const a = gradients(iwae, x, 1000 + r).enc,
      b = gradients(dreg, x, 1000 + r).enc;
    for (let i = 0; i < P; i++) {
      const d = b[i]! - a[i]!;
      sum[i]! += d;
      sq[i]! += d * d;
      sumAbs[i]! += Math.abs(a[i]!);
    }
  }
  // the mean paired difference is 0 within 4.5 standard errors for every coordinate
  let worst = 0;
  for (let i = 0; i < P; i++) {
    const mean = sum[i]! / n,
      se = Math.sqrt(Math.max(sq[i]! / n - mean * mean, 0) / n);
    worst = Math.max(worst, Math.abs(mean) / Math.max(se, 1e-12));
  }
  assert.ok(worst < 4.5, `largest |mean difference| / standard error over ${P} coordinates: ${worst.toFixed(2)}`);
  // and the check has power: the gradients are not all near zero
  assert.ok(
    sumAbs.some((s) => s / n > 1e-3),
    "IWAE encoder gradients are not negligible",
  );
});
