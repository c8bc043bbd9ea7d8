/**
 * Fréchet distance between Gaussians fitted to two feature sets (FID, Heusel et al. 2017 [1]):
 *   d² = ‖μ₁ − μ₂‖² + tr C₁ + tr C₂ − 2 tr (C₁ C₂)^{1/2}.
 * C₁C₂ is similar to the symmetric PSD matrix C₁^{1/2} C₂ C₁^{1/2}, so tr (C₁C₂)^{1/2} is the sum of the
 * square roots of that matrix's eigenvalues: two symmetric eigendecompositions in float64 instead of a general matrix
 * square root.
 * [1]: https://arxiv.org/abs/1706.08500
 */
import { matmul64, meanCovariance, symmetricEigen, sqrtPsd, trace, type Matrix } from "./linalg64.js";

export interface GaussianFit {
  mean: Float64Array;
  cov: Matrix;
  n: number;
}

export function fitGaussian(features: Matrix): GaussianFit {
  return { ...meanCovariance(features), n: features.rows };
}

/** tr (a b)^{1/2} for symmetric PSD a and b. */
export function traceSqrtProduct(a: Matrix, b: Matrix): number {
  const ra = sqrtPsd(a);
  const m = matmul64(matmul64(ra, b), ra);
  const { values } = symmetricEigen(m);
  return values.reduce((s, v) => s + Math.sqrt(Math.max(v, 0)), 0);
}

export function frechetDistance(p: Pick<GaussianFit, "mean" | "cov">, q: Pick<GaussianFit, "mean" | "cov">): number {
  const d = p.mean.length;
  if (q.mean.length !== d || p.cov.rows !== d || q.cov.rows !== d)
    throw new TypeError(`frechetDistance: feature dimensions differ (${d} and ${q.mean.length})`);
  let dm = 0;
  for (let i = 0; i < d; i++) dm += (p.mean[i]! - q.mean[i]!) ** 2;
  const value = dm + trace(p.cov) + trace(q.cov) - 2 * traceSqrtProduct(p.cov, q.cov);
  // identical inputs can round to a tiny negative number; the distance itself is ≥ 0
  return Math.max(value, 0);
}

/** FID between two feature sets [N, F] and [M, F]. */
export function fid(a: Matrix, b: Matrix): number {
  if (a.cols !== b.cols) throw new TypeError(`fid: feature widths differ (${a.cols} and ${b.cols})`);
  return frechetDistance(fitGaussian(a), fitGaussian(b));
}
