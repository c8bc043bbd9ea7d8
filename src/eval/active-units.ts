/**
 * Active units (Burda, Grosse & Salakhutdinov 2016, §5.2): latent dimension u is active when its posterior mean
 * moves with the image, A_u = Cov_x(E_{q(z|x)}[z_u]) > 10⁻². A VAE's objective switches unused units off (their
 * posterior stays at the prior for every x); the count says how many of the latent dimensions the model uses.
 */

/** The variance over rows of each column of embeddings [n, dim] (float64 accumulation, divisor n). */
export function columnVariances(values: Float32Array, dim: number): Float64Array {
  const n = values.length / dim;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${values.length} values are not rows of ${dim}`);
  const mean = new Float64Array(dim),
    m2 = new Float64Array(dim);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < dim; c++) {
      // Welford: one pass, stable when the mean is large beside the spread
      const v = values[r * dim + c]!,
        d = v - mean[c]!;
      mean[c] = mean[c]! + d / (r + 1);
      m2[c] = m2[c]! + d * (v - mean[c]!);
    }
  return m2.map((s) => s / n);
}

/** Dimensions whose variance over the rows exceeds `threshold` (Burda et al.'s 10⁻²). */
export function activeUnits(values: Float32Array, dim: number, threshold = 1e-2): number {
  let count = 0;
  for (const v of columnVariances(values, dim)) if (v > threshold) count++;
  return count;
}
