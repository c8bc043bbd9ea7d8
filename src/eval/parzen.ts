/**
 * Gaussian Parzen-window log-likelihood, the protocol of Goodfellow et al. (2014) [1] after Breuleux et al. (2011):
 * an isotropic Gaussian of width σ on each generated sample, p(x) = (1/N) Σ_i N(x; s_i, σ²I), σ picked from a grid
 * by the mean log-likelihood of a validation set, then reported on the test set (mean ± standard error).
 *   log p(x) = logmeanexp_i(−‖x − s_i‖² / 2σ²) − (D/2) log(2πσ²)
 * The estimate is known to be poor in high dimension; it is reported for comparison with the literature.
 * [1]: https://arxiv.org/abs/1406.2661
 */
import { forEachDistanceBlock, type Points } from "./distances.js";

/** The σ grid of the GAN paper's MNIST evaluation: 10 values log-spaced from 0.1 to 1. */
export const PARZEN_SIGMAS: readonly number[] = Array.from({ length: 10 }, (_, i) => 10 ** (-1 + i / 9));

/** log p(x) of every row of `points` under the Parzen window on `centers`, for each σ: result[s][i]. */
export function parzenLogLikelihoods(centers: Points, points: Points, sigmas: readonly number[]): Float64Array[] {
  if (centers.rows === 0) throw new RangeError("parzen: no kernel centres (samples)");
  if (sigmas.some((s) => !(s > 0))) throw new RangeError(`parzen: every σ must be positive, got ${sigmas.join(", ")}`);
  const out = sigmas.map(() => new Float64Array(points.rows));
  const m = centers.rows,
    dim = points.cols;
  forEachDistanceBlock(points, centers, (start, rows, dist) => {
    for (let i = 0; i < rows; i++) {
      const row = dist.subarray(i * m, (i + 1) * m);
      let min = Infinity;
      for (let j = 0; j < m; j++) if (row[j]! < min) min = row[j]!;
      sigmas.forEach((sigma, s) => {
        const inv = 1 / (2 * sigma * sigma);
        let sum = 0; // Σ exp(−(d − d_min)/2σ²): the nearest centre contributes exp(0), so no underflow to 0
        for (let j = 0; j < m; j++) sum += Math.exp((min - row[j]!) * inv);
        out[s]![start + i] = -min * inv + Math.log(sum / m) - 0.5 * dim * Math.log(2 * Math.PI * sigma * sigma);
      });
    }
  });
  return out;
}

export interface ParzenResult {
  /** mean log p(x) over the test points, nats */
  log_likelihood_nats: number;
  /** standard error of that mean (std / √n) */
  std_error_nats: number;
  sigma: number;
  /** the validation mean log-likelihood of each σ of the grid */
  validation: Array<{ sigma: number; log_likelihood_nats: number }>;
  n_centers: number;
  n_valid: number;
  n_test: number;
}

function meanAndStdError(v: Float64Array): [number, number] {
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(n - 1, 1);
  return [mean, Math.sqrt(variance / n)];
}

/** σ chosen on `valid` from `sigmas`, log-likelihood reported on `test`. */
export function parzenWindow(
  centers: Points,
  valid: Points,
  test: Points,
  sigmas: readonly number[] = PARZEN_SIGMAS,
): ParzenResult {
  const perSigma = parzenLogLikelihoods(centers, valid, sigmas);
  const validation = sigmas.map((sigma, s) => ({ sigma, log_likelihood_nats: meanAndStdError(perSigma[s]!)[0] }));
  const best = validation.reduce((a, b) => (b.log_likelihood_nats > a.log_likelihood_nats ? b : a));
  const [mean, se] = meanAndStdError(parzenLogLikelihoods(centers, test, [best.sigma])[0]!);
  return {
    log_likelihood_nats: mean,
    std_error_nats: se,
    sigma: best.sigma,
    validation,
    n_centers: centers.rows,
    n_valid: valid.rows,
    n_test: test.rows,
  };
}
