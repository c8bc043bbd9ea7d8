/** Classifier score, label histogram, k-NN precision/recall, distances and the Parzen window on known answers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import { matrix, type Matrix } from "../../src/eval/linalg64.js";
import {
  classifierScore,
  classifierScoreSplits,
  labelAccuracy,
  labelHistogram,
} from "../../src/eval/classifier-score.js";
import { forEachDistanceBlock } from "../../src/eval/distances.js";
import { knnRadii, precisionRecall } from "../../src/eval/precision-recall.js";
import { parzenLogLikelihoods, parzenWindow, PARZEN_SIGMAS } from "../../src/eval/parzen.js";
import { assertClose } from "../helpers.js";

/** Random probability rows [n, c] (softmax of Gaussian logits scaled by `sharp`). */
function randomProbs(g: Generator, n: number, c: number, sharp = 2): Matrix {
  const z = g.normal01(n * c),
    p = matrix(n, c);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += p.data[i * c + k] = Math.exp(sharp * z[i * c + k]!);
    for (let k = 0; k < c; k++) p.data[i * c + k]! /= s;
  }
  return p;
}

const sqDist = (a: Matrix, i: number, b: Matrix, j: number) => {
  let s = 0;
  for (let k = 0; k < a.cols; k++) s += (a.data[i * a.cols + k]! - b.data[j * b.cols + k]!) ** 2;
  return s;
};

test("classifier score: uniform predictions give 1, balanced one-hot 10, one class only 1", () => {
  const n = 200;
  const uniform = matrix(n, 10, new Float64Array(n * 10).fill(0.1));
  const oneHot = matrix(n, 10),
    sameClass = matrix(n, 10);
  for (let i = 0; i < n; i++) {
    oneHot.data[i * 10 + (i % 10)] = 1;
    sameClass.data[i * 10 + 3] = 1;
  }
  // tolerance: float64 round-off of a sum of 2000 terms
  assert.ok(Math.abs(classifierScore(uniform) - 1) < 1e-12, `uniform: ${classifierScore(uniform)}`);
  assert.ok(Math.abs(classifierScore(oneHot) - 10) < 1e-10, `one-hot: ${classifierScore(oneHot)}`);
  assert.ok(Math.abs(classifierScore(sameClass) - 1) < 1e-12, `one class: ${classifierScore(sameClass)}`);
});

test("classifier score = exp(H(p(y)) − E H(p(y|x))) on random predictions", () => {
  const g = new Generator(11);
  const p = randomProbs(g, 300, 10);
  const marginal = new Float64Array(10);
  let condEntropy = 0;
  for (let i = 0; i < 300; i++)
    for (let k = 0; k < 10; k++) {
      const v = p.data[i * 10 + k]!;
      marginal[k]! += v / 300;
      condEntropy -= (v * Math.log(v)) / 300;
    }
  const h = -marginal.reduce((s, m) => s + m * Math.log(m), 0);
  const expected = Math.exp(h - condEntropy);
  const got = classifierScore(p);
  assert.ok(got > 1 && got < 10, `score within (1, 10): ${got}`);
  assert.ok(Math.abs(got - expected) < 1e-10 * expected, `${got} vs ${expected}`); // tolerance: float64
  const splits = classifierScoreSplits(p, 3);
  const parts = [0, 1, 2].map((s) => classifierScore(matrix(100, 10, p.data.subarray(s * 1000, (s + 1) * 1000))));
  assert.ok(Math.abs(splits.mean - (parts[0]! + parts[1]! + parts[2]!) / 3) < 1e-12, "split mean");
});

test("label histogram counts the argmax of each row", () => {
  const g = new Generator(12);
  const p = randomProbs(g, 500, 10);
  const h = labelHistogram(p);
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 500; i++) {
    const row = Array.from(p.data.subarray(i * 10, i * 10 + 10));
    counts[row.indexOf(Math.max(...row))]!++;
  }
  assert.deepEqual(h.counts, counts);
  assert.ok(Math.abs(h.fractions.reduce((a, b) => a + b, 0) - 1) < 1e-12, "fractions sum to 1");
  assert.ok(h.entropy_nats > 0 && h.entropy_nats <= Math.log(10) + 1e-12, `entropy ${h.entropy_nats}`);
});

test("label accuracy: the fraction of rows whose argmax is the row's label, the first of equal maxima winning", () => {
  // hand-made: argmaxes 2, 0 (tie between 0 and 1: the first), 1, 2
  const p = matrix(4, 3, [0.1, 0.2, 0.7, 0.4, 0.4, 0.2, 0.3, 0.6, 0.1, 0.2, 0.3, 0.5]);
  assert.equal(labelAccuracy(p, Int32Array.from([2, 0, 1, 2])), 1);
  assert.equal(labelAccuracy(p, Int32Array.from([2, 1, 1, 0])), 0.5);
  assert.equal(labelAccuracy(p, Int32Array.from([0, 1, 0, 0])), 0);
  assert.throws(() => labelAccuracy(p, new Int32Array(3)), /3 labels, 4 rows/);
  // random rows: against a brute-force count
  const g = new Generator(13);
  const q = randomProbs(g, 300, 10);
  const labels = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % 10);
  let hits = 0;
  for (let i = 0; i < 300; i++) {
    const row = Array.from(q.data.subarray(i * 10, i * 10 + 10));
    if (row.indexOf(Math.max(...row)) === labels[i]) hits++;
  }
  assert.equal(labelAccuracy(q, labels), hits / 300);
});

test("blocked GEMM distances match float64 brute force, also far from the origin and across blocks", () => {
  const g = new Generator(13);
  const a = matrix(300, 17, g.normal01(300 * 17)),
    b = matrix(40, 17, g.normal01(40 * 17));
  for (let i = 0; i < a.data.length; i++) a.data[i]! += 50; // centring must remove this offset before the GEMM
  for (let i = 0; i < b.data.length; i++) b.data[i]! += 50;
  const got = new Float64Array(300 * 40),
    want = new Float64Array(300 * 40);
  forEachDistanceBlock(a, b, (s, r, d) => got.set(d, s * 40), 128);
  for (let i = 0; i < 300; i++) for (let j = 0; j < 40; j++) want[i * 40 + j] = sqDist(a, i, b, j);
  // tolerance: float32 dot products of centred O(1) vectors: ~1e-6 relative to ‖a‖² + ‖b‖² ≈ 70
  assertClose(got, want, { atol: 1e-4, rtol: 1e-6 }, "squared distances");
});

test("precision/recall on a constructed 1-D example with k = 1", () => {
  // real 0…9 (radius 1 each); generated {0.5, 3.2, 20, 21, 22} (radii 2.7, 2.7, 1, 1, 1)
  const line = (xs: number[]) =>
    matrix(
      xs.length,
      2,
      xs.flatMap((x) => [x, 0]),
    );
  const real = line([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    gen = line([0.5, 3.2, 20, 21, 22]);
  assertClose(knnRadii(gen, 1), [2.7 ** 2, 2.7 ** 2, 1, 1, 1], { atol: 1e-5, rtol: 0 }, "radii"); // float32 GEMM
  const pr = precisionRecall(real, gen, 1);
  assert.equal(pr.precision, 2 / 5); // 0.5 and 3.2 lie in real balls; 20–22 are 11+ away from 9
  assert.equal(pr.recall, 6 / 10); // [−2.2, 3.2] ∪ [0.5, 5.9] covers reals 0…5
});

test("precision/recall: a copy of the real set scores 1/1, a distant set 0/0; random sets match brute force", () => {
  const g = new Generator(14);
  const real = matrix(150, 5, g.normal01(750));
  const same = precisionRecall(real, real, 3);
  assert.deepEqual([same.precision, same.recall], [1, 1]);
  const far = matrix(
    150,
    5,
    Array.from(g.normal01(750), (v) => v + 30),
  );
  const none = precisionRecall(real, far, 3);
  assert.deepEqual([none.precision, none.recall], [0, 0]);
  const gen = matrix(
    120,
    5,
    Array.from(g.normal01(600), (v) => 1.3 * v + 0.7),
  );
  const k = 3;
  const radii = (x: Matrix) =>
    Array.from({ length: x.rows }, (_, i) => {
      const d = Array.from({ length: x.rows }, (_, j) => sqDist(x, i, x, j)).sort((p, q) => p - q);
      return d[k]!; // d[0] is the point itself
    });
  const cover = (q: Matrix, r: Matrix, rr: number[]) =>
    Array.from({ length: q.rows }, (_, i) => rr.some((rad, j) => sqDist(q, i, r, j) <= rad)).filter(Boolean).length /
    q.rows;
  const pr = precisionRecall(real, gen, k);
  assert.ok(pr.precision > 0.2 && pr.precision < 1, `precision ${pr.precision} strictly between`);
  // exact equality: random Gaussian data has no distances within float32 round-off of a radius
  assert.equal(pr.precision, cover(gen, real, radii(real)));
  assert.equal(pr.recall, cover(real, gen, radii(gen)));
});

test("Parzen log-likelihoods equal a float64 log-mean-exp computed point by point", () => {
  const g = new Generator(15);
  const d = 30;
  const centers = matrix(400, d, g.uniform01(400 * d)),
    points = matrix(70, d, g.uniform01(70 * d));
  const sigmas = [0.1, 0.25, 1];
  const got = parzenLogLikelihoods(centers, points, sigmas);
  sigmas.forEach((sigma, s) => {
    const want = Array.from({ length: points.rows }, (_, i) => {
      const e = Array.from({ length: centers.rows }, (_, j) => -sqDist(points, i, centers, j) / (2 * sigma * sigma));
      const m = Math.max(...e);
      const lme = m + Math.log(e.reduce((acc, v) => acc + Math.exp(v - m), 0) / centers.rows);
      return lme - (d / 2) * Math.log(2 * Math.PI * sigma * sigma);
    });
    // tolerance: float32 dot products, error ~1e-6 × ‖x‖² ≈ 1e-5 in a distance, divided by 2σ² = 0.02
    assertClose(got[s]!, want, { atol: 2e-3, rtol: 0 }, `σ = ${sigma}`);
  });
});

test("Parzen window picks the validation-best σ of the grid and reports the test mean ± standard error", () => {
  const g = new Generator(16);
  const d = 8,
    true_sigma = 0.3;
  const centers = matrix(500, d, g.uniform01(500 * d));
  const near = (n: number) => {
    const idx = g.integers(n, 500),
      z = g.normal01(n * d);
    return matrix(
      n,
      d,
      Array.from(
        { length: n * d },
        (_, k) => centers.data[idx[Math.floor(k / d)]! * d + (k % d)]! + true_sigma * z[k]!,
      ),
    );
  };
  const valid = near(200),
    testSet = near(300);
  const r = parzenWindow(centers, valid, testSet);
  const validMeans = parzenLogLikelihoods(centers, valid, PARZEN_SIGMAS).map((v) => v.reduce((a, b) => a + b) / 200);
  assert.equal(r.sigma, PARZEN_SIGMAS[validMeans.indexOf(Math.max(...validMeans))]);
  assert.ok(Math.abs(Math.log(r.sigma / true_sigma)) < 0.3, `σ ${r.sigma} near the true ${true_sigma}`);
  const t = parzenLogLikelihoods(centers, testSet, [r.sigma])[0]!;
  const mean = t.reduce((a, b) => a + b) / 300;
  const se = Math.sqrt(t.reduce((a, b) => a + (b - mean) ** 2, 0) / 299 / 300);
  assert.ok(Math.abs(r.log_likelihood_nats - mean) < 1e-12 && Math.abs(r.std_error_nats - se) < 1e-12);
  assert.deepEqual([r.n_centers, r.n_valid, r.n_test], [500, 200, 300]);
});
