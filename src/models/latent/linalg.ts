/** Small dense linear algebra in float64 for PPCA: Cholesky, solves, QR, and top eigenpairs by orthogonal iteration. */

/** Lower Cholesky factor of an SPD n×n matrix (row-major). */
export function cholesky(A: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError("cholesky: matrix is not positive definite");
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j]!;
    }
  return L;
}

/** Solves A X = B for SPD A (n×n) given its Cholesky factor; B is n×m, overwritten with X. */
export function cholSolve(L: Float64Array, n: number, B: Float64Array, m: number): Float64Array {
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = B[i * m + c]!;
      for (let k = 0; k < i; k++) s -= L[i * n + k]! * B[k * m + c]!;
      B[i * m + c] = s / L[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = B[i * m + c]!;
      for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * B[k * m + c]!;
      B[i * m + c] = s / L[i * n + i]!;
    }
  }
  return B;
}

export const logDetFromCholesky = (L: Float64Array, n: number): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s += 2 * Math.log(L[i * n + i]!);
  return s;
};

/** Orthonormalises the q columns of Q (D×q, row-major) in place by modified Gram–Schmidt. */
export function orthonormalize(Q: Float64Array, D: number, q: number): void {
  for (let j = 0; j < q; j++) {
    for (let p = 0; p < j; p++) {
      let d = 0;
      for (let i = 0; i < D; i++) d += Q[i * q + j]! * Q[i * q + p]!;
      for (let i = 0; i < D; i++) Q[i * q + j]! -= d * Q[i * q + p]!;
    }
    let nrm = 0;
    for (let i = 0; i < D; i++) nrm += Q[i * q + j]! ** 2;
    nrm = Math.sqrt(nrm) || 1;
    for (let i = 0; i < D; i++) Q[i * q + j]! /= nrm;
  }
}

/**
 * The top q eigenpairs of a symmetric PSD matrix given as a product `apply(Q) = S Q` (D×q), by orthogonal iteration
 * with a Rayleigh–Ritz step at the end. Returns eigenvalues (descending) and eigenvectors as columns of U (D×q).
 */
export function topEigen(
  apply: (Q: Float64Array) => Float64Array,
  D: number,
  q: number,
  iters: number,
  seed: Float64Array,
): { values: Float64Array; U: Float64Array } {
  let Q: Float64Array = Float64Array.from(seed);
  orthonormalize(Q, D, q);
  for (let t = 0; t < iters; t++) {
    Q = apply(Q);
    orthonormalize(Q, D, q);
  }
  // Rayleigh–Ritz: T = Qᵀ S Q (q×q), diagonalised by Jacobi rotations
  const SQ = apply(Q),
    T = new Float64Array(q * q);
  for (let a = 0; a < q; a++)
    for (let b = 0; b < q; b++) {
      let s = 0;
      for (let i = 0; i < D; i++) s += Q[i * q + a]! * SQ[i * q + b]!;
      T[a * q + b] = s;
    }
  const { values, vectors } = jacobiEigen(T, q);
  const order = [...values.keys()].sort((a, b) => values[b]! - values[a]!);
  const U = new Float64Array(D * q);
  for (let i = 0; i < D; i++)
    for (let c = 0; c < q; c++) {
      let s = 0;
      for (let k = 0; k < q; k++) s += Q[i * q + k]! * vectors[k * q + order[c]!]!;
      U[i * q + c] = s;
    }
  return { values: Float64Array.from(order, (o) => values[o]!), U };
}

/**
 * Eigenvalues and eigenvectors of a symmetric n×n matrix (row-major; symmetrised first) by the cyclic Jacobi method:
 * sweeps of plane rotations that zero each off-diagonal entry in turn until the off-diagonal mass is below
 * (ε/2)²·‖A‖²_F. Returns the values in diagonal order (unsorted) and the eigenvectors as the columns of
 * `vectors`.
 */
export function jacobiEigen(
  A0: ArrayLike<number>,
  n: number,
  maxSweeps = 100,
): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(A0);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) m[i * n + j] = m[j * n + i] = 0.5 * (m[i * n + j]! + m[j * n + i]!);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += m[i]! * m[i]!;
  const tol = (Number.EPSILON * Number.EPSILON * scale) / 4;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! * m[p * n + q]!;
    if (off <= tol) break;
    for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) rotate(m, v, n, p, q);
  }
  return { values: Float64Array.from({ length: n }, (_, i) => m[i * n + i]!), vectors: v };
}

/** One Jacobi rotation in the (p, q) plane that zeroes m[p][q] (Golub & Van Loan, Alg. 8.5.1), applied to V too. */
function rotate(m: Float64Array, v: Float64Array, n: number, p: number, q: number): void {
  const apq = m[p * n + q]!;
  if (apq === 0) return;
  const app = m[p * n + p]!,
    aqq = m[q * n + q]!;
  const tau = (aqq - app) / (2 * apq);
  const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
  const c = 1 / Math.sqrt(1 + t * t),
    s = t * c;
  for (let k = 0; k < n; k++) {
    const mkp = m[k * n + p]!,
      mkq = m[k * n + q]!;
    m[k * n + p] = c * mkp - s * mkq;
    m[k * n + q] = s * mkp + c * mkq;
  }
  for (let k = 0; k < n; k++) {
    const mpk = m[p * n + k]!,
      mqk = m[q * n + k]!;
    m[p * n + k] = c * mpk - s * mqk;
    m[q * n + k] = s * mpk + c * mqk;
  }
  m[p * n + q] = m[q * n + p] = 0;
  for (let k = 0; k < n; k++) {
    const vkp = v[k * n + p]!,
      vkq = v[k * n + q]!;
    v[k * n + p] = c * vkp - s * vkq;
    v[k * n + q] = s * vkp + c * vkq;
  }
}
