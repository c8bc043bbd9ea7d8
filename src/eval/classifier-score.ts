/**
 * Label-based sample metrics from a classifier's p(y|x): the classifier score exp E_x KL(p(y|x) ‖ p(y)) (the
 * Inception Score of Salimans et al. 2016 [1] with an MNIST classifier; 1 ≤ score ≤ number of classes) and the
 * histogram of predicted labels. [1]: https://arxiv.org/abs/1606.03498
 */
import type { Matrix } from "./linalg64.js";

/** exp of the mean KL(p(y|x) ‖ p(y)), with p(y) the mean of the rows of probs [N, C]; 0·log 0 = 0. */
export function classifierScore(probs: Matrix): number {
  const { rows: n, cols: c, data } = probs;
  if (n === 0) throw new RangeError("classifierScore: no samples");
  const marginal = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) marginal[k]! += data[i * c + k]! / n;
  let kl = 0;
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++) {
      const p = data[i * c + k]!;
      if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[k]!));
    }
  return Math.exp(kl / n);
}

/**
 * The score on `splits` disjoint consecutive parts of the samples, as mean ± standard deviation (how Salimans et al.
 * report it: the spread shows how much the figure depends on the draw).
 */
export function classifierScoreSplits(probs: Matrix, splits: number): { mean: number; std: number } {
  const n = Math.floor(probs.rows / splits);
  if (n < 1) throw new RangeError(`classifierScoreSplits: ${probs.rows} samples cannot make ${splits} splits`);
  const scores = Array.from({ length: splits }, (_, s) =>
    classifierScore({
      rows: n,
      cols: probs.cols,
      data: probs.data.subarray(s * n * probs.cols, (s + 1) * n * probs.cols),
    }),
  );
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits);
  return { mean, std };
}

export interface LabelHistogram {
  /** samples whose most probable class is k */
  counts: number[];
  /** counts / N */
  fractions: number[];
  /** entropy of the fractions in nats (log C for perfectly balanced labels) */
  entropy_nats: number;
}

export function labelHistogram(probs: Matrix): LabelHistogram {
  const { rows: n, cols: c } = probs;
  const counts = new Array<number>(c).fill(0);
  for (let i = 0; i < n; i++) counts[argmaxRow(probs, i)]!++;
  const fractions = counts.map((k) => (n > 0 ? k / n : 0));
  const entropy_nats = -fractions.reduce((s, f) => s + (f > 0 ? f * Math.log(f) : 0), 0);
  return { counts, fractions, entropy_nats };
}

/** The argmax of one row of probabilities (the first of equal maxima). */
function argmaxRow(probs: Matrix, i: number): number {
  const { cols: c, data } = probs;
  let best = 0;
  for (let k = 1; k < c; k++) if (data[i * c + k]! > data[i * c + best]!) best = k;
  return best;
}

/** For samples drawn as given classes: the fraction of rows whose most probable class is the row's label. */
export function labelAccuracy(probs: Matrix, labels: Int32Array): number {
  if (labels.length !== probs.rows) throw new RangeError(`labelAccuracy: ${labels.length} labels, ${probs.rows} rows`);
  let hits = 0;
  for (let i = 0; i < probs.rows; i++) if (argmaxRow(probs, i) === labels[i]) hits++;
  return probs.rows > 0 ? hits / probs.rows : 0;
}

/** Total variation distance ½ Σ |p − q| between two label histograms' fractions. */
export function totalVariation(p: number[], q: number[]): number {
  if (p.length !== q.length) throw new TypeError(`totalVariation: ${p.length} and ${q.length} classes`);
  return 0.5 * p.reduce((s, v, i) => s + Math.abs(v - q[i]!), 0);
}
