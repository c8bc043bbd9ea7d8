/** Float64 eigendecomposition, covariance and FID against closed forms on random inputs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import { matmul64, matrix, meanCovariance, sqrtPsd, symmetricEigen, type Matrix } from "../../src/eval/linalg64.js";
import { fid, frechetDistance, traceSqrtProduct } from "../../src/eval/fid.js";
import { assertClose } from "../helpers.js";

const normal = (g: Generator, rows: number, cols: number): Matrix => matrix(rows, cols, g.normal01(rows * cols));
const transpose = (a: Matrix): Matrix => {
  const t = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j]!;
  return t;
};
/** A random symmetric positive definite d×d matrix G Gᵀ/d + 0.1 I. */
function randomSpd(g: Generator, d: number): Matrix {
  const x = normal(g, d, d);
  const c = matmul64(x, transpose(x));
  for (let i = 0; i < d * d; i++) c.data[i]! /= d;
  for (let i = 0; i < d; i++) c.data[i * d + i]! += 0.1;
  return c;
}
const diag = (v: ArrayLike<number>): Matrix => {
  const m = matrix(v.length, v.length);
  for (let i = 0; i < v.length; i++) m.data[i * v.length + i] = v[i]!;
  return m;
};
const identity = (d: number) => diag(new Float64Array(d).fill(1));

test("symmetricEigen: A V = V Λ and VᵀV = I for random symmetric matrices", () => {
  const g = new Generator(1);
  for (const d of [1, 2, 7, 40]) {
    const x = normal(g, d, d);
    const a = matrix(
      d,
      d,
      Array.from(x.data, (_, k) => x.data[k]! + x.data[(k % d) * d + Math.floor(k / d)]!),
    );
    const { values, vectors } = symmetricEigen(a);
    const av = matmul64(a, vectors),
      vl = matmul64(vectors, diag(values));
    // tolerance: Jacobi is backward stable, residuals are a few ulps of ‖A‖ (≈ 10 here)
    assertClose(av.data, vl.data, { atol: 1e-12 * d, rtol: 0 }, `A V = V Λ (d = ${d})`);
    assertClose(matmul64(transpose(vectors), vectors).data, identity(d).data, { atol: 1e-13 * d, rtol: 0 }, "VᵀV");
    for (let i = 1; i < d; i++) assert.ok(values[i - 1]! <= values[i]!, "eigenvalues ascending");
  }
});

test("sqrtPsd: the square root squares back to the matrix and is symmetric", () => {
  const g = new Generator(2);
  const c = randomSpd(g, 30);
  const r = sqrtPsd(c);
  // tolerance: float64 round-off of an O(d³) computation with entries O(1)
  assertClose(matmul64(r, r).data, c.data, { atol: 1e-11, rtol: 0 }, "√C √C = C");
  assertClose(r.data, transpose(r).data, { atol: 1e-13, rtol: 0 }, "√C symmetric");
});

test("meanCovariance equals the one-pass definition Σ x xᵀ/(n−1) − n μ μᵀ/(n−1) on random data", () => {
  const g = new Generator(3);
  const n = 500,
    d = 6;
  const x = normal(g, n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = 3 * x.data[i]! + (i % d); // non-zero means
  const { mean, cov } = meanCovariance(x);
  const mu = Array.from({ length: d }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += x.data[i * d + j]!;
    return s / n;
  });
  const naive = new Float64Array(d * d);
  for (let a = 0; a < d; a++)
    for (let b = 0; b < d; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += x.data[i * d + a]! * x.data[i * d + b]!;
      naive[a * d + b] = (s - n * mu[a]! * mu[b]!) / (n - 1);
    }
  assertClose(mean, mu, { atol: 1e-12, rtol: 0 }, "mean"); // tolerance: float64 summation of 500 terms
  assertClose(cov.data, naive, { atol: 1e-9, rtol: 0 }, "covariance"); // one-pass formula loses ~1e-12 × n·μ²
});

test("FID of identical feature sets is 0; of two 1-D Gaussians (μ₁−μ₂)² + (σ₁−σ₂)²", () => {
  const g = new Generator(4);
  const x = normal(g, 300, 12);
  assert.ok(fid(x, x) < 1e-9, `FID(x, x) = ${fid(x, x)}`); // tolerance: round-off of tr C ≈ 12
  const d1 = frechetDistance(
    { mean: Float64Array.of(0.3), cov: diag([4]) },
    { mean: Float64Array.of(-1), cov: diag([9]) },
  );
  assert.ok(Math.abs(d1 - (1.3 ** 2 + (2 - 3) ** 2)) < 1e-12, `1-D: ${d1}`);
});

test("FID with diagonal covariances is ‖Δμ‖² + Σ(√a − √b)²", () => {
  const g = new Generator(5);
  const d = 25;
  const a = Array.from(g.uniform01(d), (u) => 0.1 + 3 * u),
    b = Array.from(g.uniform01(d), (u) => 0.1 + 3 * u);
  const m1 = g.normal01(d),
    m2 = g.normal01(d);
  let expected = 0;
  for (let i = 0; i < d; i++) expected += (m1[i]! - m2[i]!) ** 2 + (Math.sqrt(a[i]!) - Math.sqrt(b[i]!)) ** 2;
  const got = frechetDistance({ mean: m1, cov: diag(a) }, { mean: m2, cov: diag(b) });
  assert.ok(Math.abs(got - expected) < 1e-10 * expected, `diagonal: ${got} vs ${expected}`); // tolerance: float64
});

test("FID with commuting covariances Q diag(a) Qᵀ, Q diag(b) Qᵀ equals the diagonal closed form", () => {
  const g = new Generator(6);
  const d = 20;
  const q = symmetricEigen(randomSpd(g, d)).vectors; // a random orthogonal matrix
  const a = Array.from(g.uniform01(d), (u) => 0.05 + 2 * u),
    b = Array.from(g.uniform01(d), (u) => 0.05 + 2 * u);
  const rot = (v: number[]) => matmul64(matmul64(q, diag(v)), transpose(q));
  const m1 = g.normal01(d),
    m2 = g.normal01(d);
  let expected = 0;
  for (let i = 0; i < d; i++) expected += (m1[i]! - m2[i]!) ** 2 + (Math.sqrt(a[i]!) - Math.sqrt(b[i]!)) ** 2;
  const got = frechetDistance({ mean: m1, cov: rot(a) }, { mean: m2, cov: rot(b) });
  assert.ok(Math.abs(got - expected) < 1e-9 * expected, `commuting: ${got} vs ${expected}`); // tolerance: float64
});

test("tr (C₁C₂)^{1/2} for non-commuting 2×2 matrices equals √(tr C₁C₂ + 2√(det C₁ det C₂))", () => {
  // for a 2×2 matrix M with non-negative eigenvalues, tr √M = √(tr M + 2√det M)
  const g = new Generator(7);
  for (let t = 0; t < 20; t++) {
    const c1 = randomSpd(g, 2),
      c2 = randomSpd(g, 2);
    const p = matmul64(c1, c2);
    const det = (m: Matrix) => m.data[0]! * m.data[3]! - m.data[1]! * m.data[2]!;
    const expected = Math.sqrt(p.data[0]! + p.data[3]! + 2 * Math.sqrt(det(c1) * det(c2)));
    const got = traceSqrtProduct(c1, c2);
    assert.ok(Math.abs(got - expected) < 1e-12 * expected, `trial ${t}: ${got} vs ${expected}`); // tolerance: float64
  }
});

test("FID is symmetric and invariant to rotating both feature sets", () => {
  const g = new Generator(8);
  const d = 10;
  const x = normal(g, 400, d),
    y = normal(g, 300, d);
  for (let i = 0; i < y.data.length; i++) y.data[i] = 1.5 * y.data[i]! + 0.2 * (i % d) + (i % 3) * 0.1;
  const q = symmetricEigen(randomSpd(g, d)).vectors;
  const f = fid(x, y);
  assert.ok(f > 1, `distinct sets have a clearly positive FID (${f})`);
  assert.ok(Math.abs(fid(y, x) - f) < 1e-10 * f, "symmetric"); // tolerance: float64 round-off
  assert.ok(Math.abs(fid(matmul64(x, q), matmul64(y, q)) - f) < 1e-9 * f, "rotation-invariant");
});
