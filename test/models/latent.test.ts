/** Latent-variable models: ELBO and KL against their definitions, IWAE → exact log p(x), PPCA closed form = EM. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, tensor, randn, bceWithLogits, distributions as D } from "../../src/index.js";
import { getModelSpec, getRecipe } from "../../src/models/registry.js";
import { VAE, options as vaeOptions } from "../../src/models/latent/vae.js";
import { canSample } from "../../src/models/base.js";
import { PPCA, emStep } from "../../src/models/latent/ppca.js";
import { Autoencoder } from "../../src/models/latent/autoencoder.js";
import { linearProbe } from "../../src/eval/probe.js";
import { cholesky, logDetFromCholesky, cholSolve } from "../../src/models/latent/linalg.js";
import { assertClose, randomTensor } from "../helpers.js";

const shape = (d: number) => ({ dim: d, shape: [1, 1, d] as [number, number, number] });
const allBinary = (n: number) =>
  tensor(
    Array.from({ length: 2 ** n * n }, (_, k) => (Math.floor(k / n) >> (k % n)) & 1),
    [2 ** n, n],
  );

test("VAE loss (k = 1) = reconstruction NLL at z = μ + σε plus the analytic KL, with the same ε", () => {
  const vae = new VAE({ ...vaeOptions.parse({}), hidden: [7], latent: 3, k: 1 }, shape(6), new Generator(1));
  const x = randomTensor(new Generator(2), [5, 6], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);
  const loss = vae.loss(x, new Generator(3)).item();
  const q = vae.encode(x),
    eps = new Generator(3);
  const z = q.rsample(eps);
  const rec = bceWithLogits(vae.decode(z), x, { reduction: "none" }).sum(1),
    kl = D.klStandardNormal(q).sum(1);
  const mu = q.loc.toArray(),
    ls = q.logScale.toArray();
  const klByHand = [0, 1, 2, 3, 4].map((r) =>
    [0, 1, 2].reduce((s, c) => {
      const m = mu[r * 3 + c]!,
        v = Math.exp(2 * ls[r * 3 + c]!);
      return s + 0.5 * (v + m * m - 1 - Math.log(v));
    }, 0),
  );
  assertClose(kl.toArray(), klByHand, { atol: 1e-5, rtol: 1e-5 }, "KL(q‖N(0,I))");
  assertClose([loss], [rec.add(kl).mean().item()], { atol: 1e-4, rtol: 1e-6 }, "negative ELBO");
});

/** Exact log p(x) of a VAE with a 1-d latent: ∫ p(x|z) N(z; 0, 1) dz on a fine grid. */
function exactLogPx(vae: VAE, x: ReturnType<typeof tensor>): number[] {
  const grid = Array.from({ length: 4001 }, (_, i) => -10 + (20 * i) / 4000),
    dz = 20 / 4000;
  const logits = vae.decode(tensor(grid, [grid.length, 1])).toArray(),
    xs = x.toArray(),
    d = x.shape[1]!;
  return Array.from({ length: x.shape[0]! }, (_, r) => {
    const terms = grid.map((z, g) => {
      let lp = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
      for (let i = 0; i < d; i++) {
        const l = logits[g * d + i]!;
        lp += xs[r * d + i] ? -Math.log1p(Math.exp(-l)) : -Math.log1p(Math.exp(l));
      }
      return lp;
    });
    const m = Math.max(...terms);
    return m + Math.log(terms.reduce((s, t) => s + Math.exp(t - m), 0) * dz);
  });
}

test("IWAE estimate increases with k and approaches the exact log p(x) (1-d latent, exact by quadrature)", () => {
  const vae = new VAE({ ...vaeOptions.parse({}), hidden: [5], latent: 1 }, shape(4), new Generator(4));
  // a decoder with a far-from-Gaussian posterior
  for (const p of vae.parameters()) p.data.set(p.toArray().map((v) => v * 3));
  // proposal q(z|x) = N(0.3, 1.2²) for every x (encoder output layer fixed): imperfect but broad, k = 5000 converges
  const last = vae.encoder.last;
  last.weight.data.fill(0);
  last.bias!.data.set([0.3, 2 * Math.log(1.2)]);
  const x = allBinary(4);
  const exact = exactLogPx(vae, x);
  assertClose([exact.reduce((s, v) => s + Math.exp(v), 0)], [1], { atol: 1e-6, rtol: 0 }, "Σ_x p(x) by quadrature");
  // E[IWAE_k] is monotone in k; averaging 100 independent estimates per image makes the order visible above the noise
  const repeated = tensor(Array.from({ length: 100 }, () => x.toArray()).flat(), [1600, 4]);
  const mean = (k: number) => {
    const v = vae.iwae(k >= 1000 ? x : repeated, k, new Generator(5));
    return v.reduce((a, b) => a + b, 0) / v.length;
  };
  const exactMean = exact.reduce((a, b) => a + b, 0) / exact.length;
  const [k1, k10, k100, k5000] = [1, 10, 100, 5000].map(mean);
  assert.ok(
    k1! < k10! && k10! < k100! && k100! <= k5000! + 1e-3,
    `monotone in k: ${[k1, k10, k100, k5000].join(", ")}`,
  );
  assert.ok(k5000! <= exactMean + 0.01, `a lower bound: ${k5000} vs exact ${exactMean}`);
  assert.ok(exactMean - k5000! < 0.02, `IWAE-5000 within 0.02 nats of exact: ${k5000} vs ${exactMean}`);
  assert.ok(
    exactMean - k1! > 0.05,
    `the ELBO-like k = 1 bound is visibly loose (${k1} vs ${exactMean}), so convergence means something`,
  );
});

/** log N(x; μ, WWᵀ + σ²I) with the full D×D covariance (the definition, for checking Woodbury). */
function denseLogDensity(x: number[], mu: Float64Array, W: Float64Array, s2: number, d: number, q: number): number {
  const C = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = i === j ? s2 : 0;
      for (let c = 0; c < q; c++) s += W[i * q + c]! * W[j * q + c]!;
      C[i * d + j] = s;
    }
  const L = cholesky(C, d),
    r = Float64Array.from(x, (v, i) => v - mu[i]!),
    sol = cholSolve(L, d, Float64Array.from(r), 1);
  return -0.5 * (d * Math.log(2 * Math.PI) + logDetFromCholesky(L, d) + r.reduce((s, v, i) => s + v * sol[i]!, 0));
}

test("PPCA: closed form and EM reach the same maximum likelihood; Woodbury density = dense Gaussian density", () => {
  const d = 8,
    q = 2,
    n = 400,
    g = new Generator(6);
  // data from a PPCA model plus structure: x = A z + noise
  const A = g.normal01(d * q),
    z = g.normal01(n * q),
    e = g.normal01(n * d);
  const X = new Float64Array(n * d);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < d; i++) {
      let s = 0.3 * e[r * d + i]! + 0.1 * i;
      for (let c = 0; c < q; c++) s += A[i * q + c]! * z[r * q + c]!;
      X[r * d + i] = s;
    }
  const { mean, S } = PPCA.moments(X, n, d);
  const closed = new PPCA({ latent: q, fit: "closed-form", emIterations: 0 }, shape(d));
  closed.fitMoments(mean, S, new Generator(7));
  const em = new PPCA({ latent: q, fit: "em", emIterations: 3000 }, shape(d));
  em.fitMoments(mean, S, new Generator(8));
  const llC = closed.logDensity(X, n).reduce((a, b) => a + b, 0) / n,
    llE = em.logDensity(X, n).reduce((a, b) => a + b, 0) / n;
  assertClose([llE], [llC], { atol: 1e-6, rtol: 1e-8 }, "mean log-likelihood, EM vs closed form");
  assertClose(
    [Math.exp(em.logSigma2.data[0]!)],
    [Math.exp(closed.logSigma2.data[0]!)],
    { atol: 1e-6, rtol: 1e-5 },
    "σ²",
  );
  const wwT = (m: PPCA) => {
    const W = m.W.data;
    const out: number[] = [];
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let c = 0; c < q; c++) s += W[i * q + c]! * W[j * q + c]!;
        out.push(s);
      }
    return out;
  };
  assertClose(wwT(em), wwT(closed), { atol: 1e-5, rtol: 1e-4 }, "W Wᵀ (W itself is unique only up to rotation)");
  const dense = [0, 1, 2].map((r) =>
    denseLogDensity(
      [...X.subarray(r * d, (r + 1) * d)],
      closed.mean.data as Float64Array,
      closed.W.data as Float64Array,
      Math.exp(closed.logSigma2.data[0]!),
      d,
      q,
    ),
  );
  assertClose([...closed.logDensity(X, 3)], dense, { atol: 1e-9, rtol: 1e-10 }, "Woodbury = dense");
  // EM never decreases the likelihood
  let W: Float64Array = Float64Array.from(g.normal01(d * q)),
    s2 = 1,
    prev = -Infinity,
    tr = 0;
  for (let i = 0; i < d; i++) tr += S[i * d + i]!;
  const probe = new PPCA({ latent: q, fit: "em", emIterations: 0 }, shape(d));
  for (let t = 0; t < 30; t++) {
    [W, s2] = emStep(S, W, s2, d, q, tr);
    probe.mean.data.set(mean);
    probe.W.data.set(W);
    probe.logSigma2.data[0] = Math.log(s2);
    const ll = probe.logDensity(X, n).reduce((a, b) => a + b, 0);
    assert.ok(ll >= prev - 1e-8, `EM step ${t} decreased the likelihood: ${prev} → ${ll}`);
    prev = ll;
  }
});

test("autoencoder: reconstruction improves with training; it refuses to sample", async () => {
  const ae = new Autoencoder(
    { hidden: [16], code: 4, activation: "tanh", reconstruction: "bernoulli" },
    shape(10),
    new Generator(9),
  );
  const x = randomTensor(new Generator(10), [64, 10], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);
  const { Adam } = await import("../../src/index.js");
  const opt = new Adam(ae.parameters(), { lr: 0.01 });
  const first = ae.loss(x).item();
  for (let i = 0; i < 200; i++) {
    const l = ae.loss(x);
    opt.zeroGrad();
    l.backward();
    opt.step();
  }
  assert.ok(ae.loss(x).item() < 0.7 * first, `loss ${first} → ${ae.loss(x).item()}`);
  assert.equal(ae.logLikelihood(x).estimator, "reconstruction");
  assert.equal(canSample(ae), false, "an autoencoder declares no sampler");
});

test("linear probe: near-perfect on separable embeddings, chance on random labels", () => {
  const g = new Generator(11),
    n = 2000,
    d = 5;
  const labels = Int32Array.from(g.integers(n, 10)),
    v = new Float32Array(n * d),
    noise = g.normal01(n * d);
  for (let r = 0; r < n; r++)
    for (let k = 0; k < d; k++)
      v[r * d + k] = (k === labels[r]! % d ? 3 : 0) + (labels[r]! >= 5 && k === 0 ? 3 : 0) + 0.3 * noise[r * d + k]!;
  const res = linearProbe(
    { values: v.subarray(0, 1500 * d), dim: d, labels: labels.subarray(0, 1500) },
    { values: v.subarray(1500 * d), labels: labels.subarray(1500) },
    1,
    40,
  );
  assert.ok(res.testAccuracy > 0.9, `separable: ${res.testAccuracy}`);
  const shuffled = Int32Array.from(g.integers(n, 10));
  const chance = linearProbe(
    { values: v.subarray(0, 1500 * d), dim: d, labels: shuffled.subarray(0, 1500) },
    { values: v.subarray(1500 * d), labels: shuffled.subarray(1500) },
    1,
    10,
  );
  assert.ok(chance.testAccuracy < 0.2, `random labels: ${chance.testAccuracy}`);
});

test(
  "IWAE objective: tighter than the ELBO on average, " + "equal to the log-mean-exp of importance weights, trainable",
  async () => {
    const cfg = { ...vaeOptions.parse({}), hidden: [8], latent: 2 };
    // two distinct images, ten copies each: the best possible NLL is log 2
    const x = tensor(
      Array.from({ length: 20 }, (_, r) => (r % 2 ? [1, 1, 1, 0, 0, 0] : [0, 0, 1, 1, 0, 1])).flat(),
      [20, 6],
    );
    const vae1 = new VAE({ ...cfg, k: 1 }, shape(6), new Generator(22)),
      vae10 = new VAE({ ...cfg, k: 10 }, shape(6), new Generator(22));
    const avg = (m: VAE, reps: number) => {
      let s = 0;
      for (let r = 0; r < reps; r++) s += m.loss(x, new Generator(100 + r)).item();
      return s / reps;
    };
    const elboLoss = avg(vae1, 40),
      iwaeLoss = avg(vae10, 40);
    assert.ok(iwaeLoss < elboLoss - 0.05, `−IWAE-10 ${iwaeLoss} < −ELBO ${elboLoss}`);
    // the objective is −mean_b log (1/k) Σ_j w_bj with the same draws as iwae(): compare with k samples from iwae()
    const direct = vae10.iwae(x, 10, new Generator(7)).reduce((a, b) => a + b, 0) / 20;
    assert.ok(
      Math.abs(-direct - iwaeLoss) < 0.5,
      `IWAE estimate ${-direct} and objective ${iwaeLoss} agree up to sampling noise`,
    );
    const { Adam } = await import("../../src/index.js");
    const opt = new Adam(vae10.parameters(), { lr: 0.01 });
    const first = avg(vae10, 10);
    for (let i = 0; i < 150; i++) {
      const l = vae10.loss(x, new Generator(500 + i));
      opt.zeroGrad();
      l.backward();
      opt.step();
    }
    const after = avg(vae10, 10);
    assert.ok(
      after < first - 1 && after > Math.log(2) - 0.05,
      `training lowers the IWAE loss towards log 2: ${first} → ${after}`,
    );
    assert.ok(vae10.parameters().every((p) => p.grad && p.grad.toArray().every(Number.isFinite)));
  },
);

test("PPCA free parameters: Dq − q(q−1)/2 + D + 1, a full covariance and mean at q = D − 1", () => {
  const count = (D: number, q: number) =>
    new PPCA({ latent: q, fit: "closed-form", emIterations: 1 }, shape(D)).freeParameters();
  assert.equal(count(4, 2), 12n);
  // at q = D − 1 the model is a full Gaussian: D(D + 1)/2 covariance entries plus D means
  for (const D of [3, 5, 9]) assert.equal(count(D, D - 1), BigInt((D * (D + 1)) / 2 + D));
  assert.equal(count(784, 50), 38760n);
});

test("VAE on 8-bit grey values: grey-pixel cross-entropy + KL, samples are decoder means, eightbit recipe", () => {
  const vae = new VAE({ ...vaeOptions.parse({}), hidden: [9], latent: 2, k: 1 }, shape(6), new Generator(11));
  // grey values k/255 as in 8-bit MNIST, none of them 0 or 1
  const grey = new Generator(12).uniform01(4 * 6).map((u) => (1 + Math.floor(u * 253)) / 255);
  const x = tensor(Array.from(grey), [4, 6]);
  const loss = vae.loss(x, new Generator(13)).item();
  const q = vae.encode(x);
  const logits = vae.decode(q.rsample(new Generator(13))).toArray(),
    mu = q.loc.toArray(),
    ls = q.logScale.toArray();
  // −[x log σ(l) + (1 − x) log(1 − σ(l))], log σ(l) = −log(1 + e^−l), log(1 − σ(l)) = −log(1 + e^l)
  let byHand = 0;
  for (let i = 0; i < 24; i++) {
    const l = logits[i]!,
      v = grey[i]!;
    byHand += v * Math.log1p(Math.exp(-l)) + (1 - v) * Math.log1p(Math.exp(l));
  }
  for (let i = 0; i < 8; i++) byHand += 0.5 * (Math.exp(2 * ls[i]!) + mu[i]! ** 2 - 1 - 2 * ls[i]!);
  // float32 network, sums of 24 + 8 terms of O(1): 1e-4 relative
  assertClose([loss], [byHand / 4], { atol: 1e-4, rtol: 1e-4 }, "negative ELBO on grey values");

  // samples are σ(decoder(z)), z ~ N(0, I): grey means strictly inside (0, 1), not Bernoulli draws
  const s = vae.sample(5, new Generator(14)).toArray();
  const z = randn([5, 2], { generator: new Generator(14) });
  assertClose(s, vae.decodeMean(z).toArray(), { atol: 1e-6, rtol: 0 }, "sample = decoder mean");
  assert.ok(
    s.every((v) => v > 0 && v < 1),
    "decoder means lie strictly inside (0, 1)",
  );

  const r = getRecipe(getModelSpec("vae"), "eightbit");
  assert.equal(r.dataset, "mnist", "the eightbit recipe trains on 8-bit MNIST");
  assert.equal(getModelSpec("vae").recipe.dataset, "binarized-mnist", "the default recipe stays binarized");
});
