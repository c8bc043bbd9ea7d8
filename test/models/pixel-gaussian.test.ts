/**
 * The pixel models' Gaussian-mixture output on dequantized values: the density of y integrates to 1 over ℝ (one and
 * two values), no value's parameters see itself or a later value and its score sees only its own noise, the loss and
 * the bound match a hand computation for fixed parameters, draws land on the levels with the right frequencies, and
 * cached sampling draws the full-image loop's values; a trained run (offline MNIST, two steps) reports bounds.
 */
import { scoreImages } from "../../src/app/draw.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { app, data, Generator, noGrad, tensor, type Tensor } from "../../src/index.js";
import { encodeNpy } from "../../src/data/formats.js";
import { evaluateNll } from "../../src/eval/likelihood.js";
import type { PixelModel } from "../../src/models/pixel/pixel-model.js";
import { assertCausal, makePixel, rankOf, type Shape3 } from "./pixel-helpers.js";
import { tempDir } from "../tmp.js";

const tiny: Array<[string, Record<string, unknown>]> = [
  ["pixelcnn", { features: 6, blocks: 1, outputHidden: 6 }],
  ["gated-pixelcnn", { features: 6, layers: 2, outputHidden: 6 }],
  ["row-lstm", { hidden: 3, layers: 1, outputHidden: 6 }],
  ["diagonal-bilstm", { hidden: 3, layers: 1, outputHidden: 6 }],
];
const gaussian = (levels: number, mixtures: number) => ({ output: "gaussian", levels, mixtures });

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton's method on the Legendre recurrence). */
function gaussLegendre(n: number): { t: number[]; w: number[] } {
  const t: number[] = [],
    w: number[] = [];
  for (let i = 1; i <= n; i++) {
    let x = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5)),
      dp = 1;
    for (let it = 0; it < 100; it++) {
      let p0 = 1,
        p1 = x;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-15) break;
    }
    t.push(x);
    w.push(2 / ((1 - x * x) * dp * dp));
  }
  return { t, w };
}

const GL = gaussLegendre(6);

/** Composite Gauss–Legendre nodes over the intervals between the sorted break points. */
function nodes(breaks: number[]): { y: number[]; w: number[] } {
  const b = [...new Set(breaks)].sort((p, q) => p - q),
    y: number[] = [],
    w: number[] = [];
  for (let j = 0; j + 1 < b.length; j++) {
    const mid = (b[j]! + b[j + 1]!) / 2,
      half = (b[j + 1]! - b[j]!) / 2;
    GL.t.forEach((t, k) => {
      y.push(mid + half * t);
      w.push(half * GL.w[k]!);
    });
  }
  return { y, w };
}

/**
 * Break points μ + jσ, |j| ≤ 12, of every component of value `at` ([B, C·P, H, W] index within an image's params):
 * mass beyond ±12σ is below 1e-30, and 6-point rules on intervals ≤ 2σ wide within ±4σ have errors below 1e-8.
 */
function componentBreaks(params: Tensor, b: number, at: number, hw: number, K: number, L: number): number[] {
  const p = params.toArray(),
    P = 3 * K,
    out: number[] = [];
  for (let k = 0; k < K; k++) {
    const mu = p[(b * P + K + k) * hw + at]!,
      sigma = Math.exp(Math.max(-Math.log(20 * L), p[(b * P + 2 * K + k) * hw + at]!));
    for (const j of [0, 1, 2, 3, 4, 6, 8, 12]) out.push(mu + j * sigma, mu - j * sigma);
  }
  return out;
}

/** Σ_n w_n p(y_n) with log p(y) from the model, over points y [N, D] (in chunks). */
function integrate(m: PixelModel, ys: Float32Array, ws: Float64Array, D: number): number {
  let total = 0;
  const chunk = 8192;
  for (let s = 0; s < ws.length; s += chunk) {
    const e = Math.min(ws.length, s + chunk);
    const lp = noGrad(() => m.logDensity(tensor(ys.subarray(s * D, e * D), [e - s, D]))).toArray();
    for (let i = 0; i < e - s; i++) total += ws[s + i]! * Math.exp(lp[i]!);
  }
  return total;
}

test("∫ p(y) dy = 1 within 1e-5 for a one-value image (Gauss–Legendre over μ ± 12σ of every component)", () => {
  // quadrature error below 1e-8 and float32 log-densities (~1e-7 relative): |∫ p − 1| was ~1e-7 in every case
  for (const [name, opts] of tiny) {
    const L = 3,
      K = 3,
      m = makePixel(name, { ...opts, ...gaussian(L, K) }, [1, 1, 1], 4);
    const params = noGrad(() => m.outputParams(tensor(new Float32Array(1), [1, 1])));
    const { y, w } = nodes(componentBreaks(params, 0, 0, 1, K, L));
    const total = integrate(m, Float32Array.from(y), Float64Array.from(w), 1);
    assert.ok(Math.abs(total - 1) < 1e-5, `${name}: ∫ p = ${total}`);
  }
});

test("∫∫ p(y₁, y₂) = 1 within 1e-5 for a two-pixel image (product quadrature per level of y₁)", () => {
  // y₂'s conditional changes where y₁ crosses a level boundary k/L, so those are break points of the y₁ axis;
  // within a level's interval of y₁, y₂'s nodes follow that level's components (other dependence misses the mesh)
  for (const [name, opts] of tiny) {
    const L = 3,
      K = 2,
      m = makePixel(name, { ...opts, ...gaussian(L, K) }, [1, 1, 2], 5);
    const levels = Array.from({ length: L }, (_, l) => [l / (L - 1), 0]).flat();
    const params = noGrad(() => m.outputParams(tensor(Float32Array.from(levels), [L, 2])));
    const b1 = componentBreaks(params, 0, 0, 2, K, L);
    for (let k = 1; k < L; k++) b1.push(k / L);
    const n1 = nodes(b1),
      n2 = Array.from({ length: L }, (_, l) => nodes(componentBreaks(params, l, 1, 2, K, L)));
    const ys: number[] = [],
      ws: number[] = [];
    n1.y.forEach((y1, i) => {
      const inner = n2[Math.min(L - 1, Math.max(0, Math.floor(y1 * L)))]!;
      inner.y.forEach((y2, j) => {
        ys.push(y1, y2);
        ws.push(n1.w[i]! * inner.w[j]!);
      });
    });
    const total = integrate(m, Float32Array.from(ys), Float64Array.from(ws), 2);
    assert.ok(Math.abs(total - 1) < 1e-5, `${name}: ∫∫ p = ${total}`);
  }
});

/**
 * The dequantized score of value i, log p(y_i | x_<i) − log L: its gradient reaches x only at earlier values and at
 * i itself (through y_i), and the noise u only at i (the network never sees the noise).
 */
function assertScoreDependencies(name: string, m: PixelModel, shape: Shape3): void {
  const [C, H, W] = shape,
    D = C * H * W,
    B = 3,
    g = new Generator(6);
  const rank = (j: number) => rankOf(shape, Math.floor(j / (H * W)), Math.floor((j % (H * W)) / W), j % W);
  let earlier = 0;
  for (let i = 0; i < D; i++) {
    const x = tensor(Float32Array.from(g.uniform01(B * D)), [B, D]).requireGrad();
    const u = tensor(Float32Array.from(g.uniform01(B * D)), [B, D]).requireGrad();
    const pick = new Float32Array(B * D);
    for (let b = 0; b < B; b++) pick[b * D + i] = 1 + b;
    m.logProbs(x, null, u)
      .reshape(B, D)
      .mul(tensor(pick, [B, D]))
      .sum()
      .backward();
    const support = (t: Tensor) => new Set(t.grad!.toArray().flatMap((v, k) => (v !== 0 ? [k % D] : [])));
    const sx = support(x),
      su = support(u);
    for (const j of sx) assert.ok(j === i || rank(j) < rank(i), `${name}: value ${i}'s score depends on x_${j}`);
    assert.ok(sx.has(i), `${name}: value ${i}'s score depends on its own y`);
    assert.deepEqual([...su], [i], `${name}: value ${i}'s score sees noise at ${[...su]}`);
    if (rank(i) === D - 1) earlier = sx.size - 1;
  }
  assert.ok(earlier > 0, `${name}: the last value's score depends on earlier values (the test can fail)`);
}

for (const shape of [
  [1, 3, 3],
  [3, 2, 2],
] as Shape3[]) {
  const kind = shape[0] === 1 ? "1 channel" : "3 channels, R→G→B";
  test(`gaussian output (${kind}): no value sees itself or a later one, in its parameters or its score`, () => {
    for (const [name, opts] of tiny) {
      const m = makePixel(name, { ...opts, ...gaussian(4, 2) }, shape);
      assertCausal(name, m, shape);
      assertScoreDependencies(name, m, shape);
    }
  });
}

const LOGITS = [0.3, -0.4],
  MEANS = [0.2, 0.745],
  // the second is below the floor log(1/(20·L)) and must be clamped to it (its mean 0.4σ from a level boundary, so
  // the clamp shows in the level frequencies too)
  LOG_SCALES = [-1.2, -9];

/** A 2×2 PixelCNN whose output parameters are the constants above at every value (last layer: zero weight). */
function constantModel(L: number, draws = 4): PixelModel {
  const m = makePixel("pixelcnn", { ...tiny[0]![1], ...gaussian(L, 2), dequantizationDraws: draws }, [1, 2, 2]);
  const out = (m as unknown as { head: { out: { weight: Tensor; bias: Tensor } } }).head.out;
  out.weight.data.fill(0);
  out.bias.data.set([...LOGITS, ...MEANS, ...LOG_SCALES]);
  return m;
}

/** log Σ_k π_k N(y; μ_k, σ_k²) in float64 with the constants above. */
function handLogDensity(y: number, L: number): number {
  const top = Math.max(...LOGITS),
    z = LOGITS.reduce((s, l) => s + Math.exp(l - top), 0);
  let p = 0;
  for (let k = 0; k < 2; k++) {
    const s = Math.exp(Math.max(LOG_SCALES[k]!, -Math.log(20 * L))),
      pi = Math.exp(LOGITS[k]! - top) / z;
    p += (pi * Math.exp(-0.5 * ((y - MEANS[k]!) / s) ** 2)) / (s * Math.sqrt(2 * Math.PI));
  }
  return Math.log(p);
}

/** −log p(y) + D·log L per image, with y = (k + u)/L and u the generator's next uniform draws (as `rand` makes). */
function handBound(levels: Float32Array, n: number, D: number, L: number, g: Generator): number[] {
  const u = g.uniform01(n * D);
  return Array.from({ length: n }, (_, b) => {
    let s = D * Math.log(L);
    for (let i = 0; i < D; i++) {
      const k = Math.round(levels[b * D + i]! * (L - 1));
      s -= handLogDensity((k + Math.fround(u[b * D + i]!)) / L, L);
    }
    return s;
  });
}

test("loss and bound match log-sum-exp of the Gaussian log-densities + D·log L for fixed parameters", () => {
  // float32 network arithmetic against float64 by hand: 1e-4 nats per image
  const L = 4,
    D = 4,
    n = 3,
    m = constantModel(L);
  const g = new Generator(8),
    levels = Float32Array.from(g.uniform01(n * D), (v) => Math.floor(v * L) / (L - 1)),
    x = tensor(levels, [n, D]);
  const expected = handBound(levels, n, D, L, new Generator(5));
  const loss = m.loss(x, new Generator(5)).item();
  assert.ok(Math.abs(loss - expected.reduce((a, b) => a + b) / n) < 1e-4, `loss ${loss} vs ${expected}`);
  // evaluation: the bound averaged over 4 draws, with an estimator that says so
  const r = m.logLikelihood(x, new Generator(7)),
    hg = new Generator(7),
    draws = Array.from({ length: 4 }, () => handBound(levels, n, D, L, hg));
  assert.equal(r.estimator, "dequantized-bound-4");
  for (let b = 0; b < n; b++) {
    const mean = draws.reduce((s, d) => s + d[b]!, 0) / 4;
    assert.ok(Math.abs(-r.logp[b]! - mean) < 1e-4, `image ${b}: ${-r.logp[b]!} vs ${mean}`);
  }
  // per-value scores from the same generator state sum to the bound
  const per = m.perPixelLogLikelihood(x, null, new Generator(7));
  for (let b = 0; b < n; b++) {
    const s = per.subarray(b * D, (b + 1) * D).reduce((a, v) => a + v, 0);
    assert.ok(Math.abs(s - r.logp[b]!) < 1e-4, `image ${b}: Σ per-value ${s} vs ${r.logp[b]}`);
  }
  // the density itself at points off [0, 1] too (levels clamp there)
  const y = Float32Array.of(-0.3, 0.1, 0.62, 1.4);
  const ld = noGrad(() => m.logDensity(tensor(y, [1, 4]))).item();
  const hand = Array.from(y).reduce((s, v) => s + handLogDensity(v, L), 0);
  assert.ok(Math.abs(ld - hand) < 1e-4, `log p(y) ${ld} vs ${hand}`);
  assert.ok(m.capabilities.includes("bounded-density") && !m.capabilities.includes("exact-density"));
});

test("class-conditional gaussian: unlabelled, the bound is of the marginal, logsumexp_c log p(y | c) − log C", () => {
  // one draw of u, the same for every class (same generator seed); float32 sums: 1e-3 nats on ~50-nat scores
  const m = makePixel(
    "gated-pixelcnn",
    { ...tiny[1]![1], classes: 2, ...gaussian(4, 2), dequantizationDraws: 1 },
    [1, 3, 3],
  );
  const n = 4,
    x = tensor(
      Float32Array.from(new Generator(9).uniform01(n * 9), (v) => Math.floor(v * 4) / 3),
      [n, 9],
    );
  const marginal = m.logLikelihood(x, new Generator(2)).logp;
  const byClass = [0, 1].map((c) => m.logLikelihood(x, new Generator(2), new Int32Array(n).fill(c)).logp);
  for (let b = 0; b < n; b++) {
    const a = byClass[0]![b]!,
      c = byClass[1]![b]!,
      top = Math.max(a, c),
      expected = top + Math.log(Math.exp(a - top) + Math.exp(c - top)) - Math.log(2);
    assert.ok(Math.abs(marginal[b]! - expected) < 1e-3, `image ${b}: ${marginal[b]} vs ${expected}`);
  }
  assert.ok(Math.abs(byClass[0]![0]! - byClass[1]![0]!) > 1e-3, "the classes score differently (the test can fail)");
});

/** Φ(z) by Abramowitz–Stegun 7.1.26 (absolute error < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2,
    t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

test("draws land on the levels with the mixture's mass per level (fixed parameters, 80,000 values, ±0.01)", () => {
  // each level's frequency has a standard deviation below 0.002 at 80,000 values: 0.01 is 5σ
  const L = 4,
    m = constantModel(L),
    s = m.sample(20000, new Generator(3)).toArray();
  const top = Math.max(...LOGITS),
    z = LOGITS.reduce((a, l) => a + Math.exp(l - top), 0);
  for (let k = 0; k < L; k++) {
    let p = 0;
    for (let c = 0; c < 2; c++) {
      const sd = Math.exp(Math.max(LOG_SCALES[c]!, -Math.log(20 * L)));
      const lo = k === 0 ? 0 : normalCdf((k / L - MEANS[c]!) / sd),
        hi = k === L - 1 ? 1 : normalCdf(((k + 1) / L - MEANS[c]!) / sd);
      p += (Math.exp(LOGITS[c]! - top) / z) * (hi - lo);
    }
    const freq = s.filter((v) => Math.round(v * (L - 1)) === k).length / s.length;
    assert.ok(Math.abs(freq - p) < 0.01, `level ${k}: frequency ${freq}, mass ${p}`);
  }
  assert.ok(
    s.every((v) => Math.abs(v * (L - 1) - Math.round(v * (L - 1))) < 1e-6),
    "every draw is a level",
  );
});

const cached: Array<[string, Record<string, unknown>, Shape3]> = [
  ["pixelcnn", { features: 6, blocks: 2, outputHidden: 6, ...gaussian(256, 3) }, [3, 4, 3]],
  ["gated-pixelcnn", { features: 6, layers: 3, outputHidden: 6, classes: 3, ...gaussian(256, 3) }, [3, 4, 3]],
  ["row-lstm", { hidden: 3, layers: 2, outputHidden: 6, ...gaussian(256, 3) }, [3, 4, 3]],
  ["diagonal-bilstm", { hidden: 4, layers: 2, outputHidden: 8, ...gaussian(2, 2) }, [1, 5, 4]],
];

for (const [name, opts, shape] of cached)
  test(`${name} (gaussian, ${shape[0]} channel(s)): cached sampling and completion equal the full-image loop`, () => {
    const m = makePixel(name, opts, shape),
      D = shape[0] * shape[1] * shape[2],
      L = m.output.levels,
      n = 8,
      labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const naive = m.sample(n, new Generator(7), { naive: true, labels }).toArray();
    const fast = m.sample(n, new Generator(7), { labels }).toArray();
    assert.deepEqual(fast, naive);
    assert.ok(new Set(fast).size > 1, "samples are not constant");
    assert.ok(
      fast.every((v) => Math.abs(v * (L - 1) - Math.round(v * (L - 1))) < 1e-3),
      "samples are levels",
    );
    const observed = Uint8Array.from({ length: D }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const x = tensor(
      Float32Array.from(new Generator(11).uniform01(n * D), (v) => Math.floor(v * L) / (L - 1)),
      [n, D],
    );
    const a = m.complete(x, observed, new Generator(5), { naive: true, labels }).toArray();
    const b = m.complete(x, observed, new Generator(5), { labels }).toArray();
    assert.deepEqual(b, a);
  });

test("a gaussian run: evaluation and `score` report dequantized-bound-4; per-pixel sums match", async () => {
  const dir = tempDir("deepgen-gaussian-"),
    runDir = path.join(dir, "run");
  await app.fit({
    model: "pixelcnn",
    options: { features: 4, blocks: 1, outputHidden: 4, ...gaussian(2, 2) },
    training: { dataset: "mnist-fixed", epochs: 1, batchSize: 20, lr: 1e-3 },
    maxSteps: 2,
    seed: 3,
    out: runDir,
  });
  const test = data.loadDataset("mnist-fixed").split("test"),
    images = test.values.slice(0, 3 * 784);
  const model = app.openRun(runDir).model as PixelModel;
  // what `evaluate` and the trainer's validation report, on 40 test images
  const e = evaluateNll(model, { ...test, n: 40, values: test.values.subarray(0, 40 * 784) }, { seed: 0 });
  assert.equal(e.estimator, "dequantized-bound-4");
  assert.ok(Number.isFinite(e.nll_nats) && e.nll_nats > 0, `${e.nll_nats}`);
  const npy = path.join(dir, "x.npy");
  writeFileSync(npy, encodeNpy(images, [3, 1, 28, 28]));
  const r = app.score(runDir, { input: npy, perPixel: true });
  assert.equal(r.estimator, "dequantized-bound-4");
  model.eval();
  const lp = model.logLikelihood(tensor(images, [3, 784]), new Generator(3));
  r.scores.forEach((s, i) => {
    // score draws u from the run's seed (3); per-pixel values from the same generator state, not a fixed seed
    assert.ok(Math.abs(s.nll_nats + lp.logp[i]!) < 1e-6, `image ${i}: ${s.nll_nats} vs ${-lp.logp[i]!}`);
    // float32 terms summed in float64: 784 values of ~1e-7 relative error each
    const sum = s.per_pixel_nats!.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - s.nll_nats) < 1e-3, `image ${i}: Σ per-pixel ${sum} vs ${s.nll_nats}`);
  });
  // the studio's draw-and-score: the same rule under another seed (same 1e-3 tolerance)
  const drawn = scoreImages(runDir, images, { perPixel: true, seed: 8 });
  for (let i = 0; i < 3; i++) {
    const sum = drawn.per_pixel_nats!.subarray(i * 784, (i + 1) * 784).reduce((a, b) => a + b, 0);
    const nll = drawn.nll_nats[i]!;
    assert.ok(Math.abs(sum - nll) < 1e-3, `drawn image ${i}: Σ per-pixel ${sum} vs ${nll}`);
  }
});
