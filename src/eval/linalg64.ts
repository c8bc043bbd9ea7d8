/**
 * Float64 linear algebra for the sample-quality metrics: row-major matrices, means and covariances, and the
 * symmetric eigendecomposition (cyclic Jacobi) behind matrix square roots. Feature dimensions here are small
 * (≤ a few hundred), where Jacobi is fast enough and accurate to working precision.
 */
import { jacobiEigen } from "../models/latent/linalg.js";
import type { Tensor } from "../tensor/tensor.js";

/** A dense row-major float64 matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  if (data && data.length !== rows * cols) throw new RangeError(`matrix: ${data.length} values for ${rows}×${cols}`);
  return { rows, cols, data: data ? Float64Array.from(data) : new Float64Array(rows * cols) };
}

/** A 2-D tensor as a float64 matrix (a copy). */
export function fromTensor(t: Tensor): Matrix {
  if (t.ndim !== 2) throw new TypeError(`fromTensor: expected a 2-D tensor, got shape [${t.shape.join(", ")}]`);
  return matrix(t.shape[0]!, t.shape[1]!, t.contiguous().data);
}

/** Column means and the unbiased (n − 1) covariance of the rows of x, by two passes (centre, then accumulate). */
export function meanCovariance(x: Matrix): { mean: Float64Array; cov: Matrix } {
  const { rows: n, cols: d, data } = x;
  if (n < 2) throw new RangeError(`meanCovariance: need at least 2 rows, got ${n}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const cov = new Float64Array(d * d),
    row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j]! - mean[j]!;
    // upper triangle only; mirrored below
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      const off = a * d;
      for (let b = a; b < d; b++) cov[off + b]! += ra * row[b]!;
    }
  }
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b]! / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  return { mean, cov: { rows: d, cols: d, data: cov } };
}

export function matmul64(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new TypeError(`matmul64: ${a.rows}×${a.cols} times ${b.rows}×${b.cols}`);
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) {
      const v = a.data[i * a.cols + k]!;
      if (v === 0) continue;
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j]! += v * b.data[k * b.cols + j]!;
    }
  return { rows: a.rows, cols: b.cols, data: out };
}

export function trace(a: Matrix): number {
  let t = 0;
  for (let i = 0; i < Math.min(a.rows, a.cols); i++) t += a.data[i * a.cols + i]!;
  return t;
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix by the cyclic Jacobi method: sweeps of plane rotations that zero
 * each off-diagonal entry in turn until the off-diagonal mass is negligible. Returns values (ascending) and the
 * eigenvectors as the columns of `vectors`, so a = V diag(values) Vᵀ.
 */
export function symmetricEigen(a: Matrix, maxSweeps = 100): { values: Float64Array; vectors: Matrix } {
  const n = a.rows;
  if (a.cols !== n) throw new TypeError(`symmetricEigen: matrix is ${a.rows}×${a.cols}, not square`);
  const { values, vectors: v } = jacobiEigen(a.data, n, maxSweeps);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x]! - values[y]!);
  const sortedValues = Float64Array.from(order, (i) => values[i]!);
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) vectors[r * n + c] = v[r * n + order[c]!]!;
  return { values: sortedValues, vectors: { rows: n, cols: n, data: vectors } };
}

/** The principal square root of a symmetric positive semi-definite matrix; round-off negative eigenvalues become 0. */
export function sqrtPsd(a: Matrix): Matrix {
  const { values, vectors } = symmetricEigen(a);
  const n = a.rows,
    out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const s = Math.sqrt(Math.max(values[k]!, 0));
    if (s === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors.data[i * n + k]! * s;
      for (let j = 0; j < n; j++) out[i * n + j]! += vik * vectors.data[j * n + k]!;
    }
  }
  return { rows: n, cols: n, data: out };
}
