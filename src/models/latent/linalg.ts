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

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations; vectors are columns. */
export function jacobiEigen(A0: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(A0),
    V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let r = p + 1; r < n; r++) off += A[p * n + r]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let r = p + 1; r < n; r++) {
        const apr = A[p * n + r]!;
        if (Math.abs(apr) < 1e-300) continue;
        const theta = (A[r * n + r]! - A[p * n + p]!) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!,
            akr = A[k * n + r]!;
          A[k * n + p] = c * akp - s * akr;
          A[k * n + r] = s * akp + c * akr;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!,
            ark = A[r * n + k]!;
          A[p * n + k] = c * apk - s * ark;
          A[r * n + k] = s * apk + c * ark;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!,
            vkr = V[k * n + r]!;
          V[k * n + p] = c * vkp - s * vkr;
          V[k * n + r] = s * vkp + c * vkr;
        }
      }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => A[i * n + i]!), vectors: V };
}
