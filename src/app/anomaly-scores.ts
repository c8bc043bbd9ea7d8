/**
 * The anomaly scores of one-class detection, one per image of a labelled split, higher = more anomalous:
 *  - nll:              −log p(x), nats;
 *  - complexity:       −log₂ p(x) − L(x), L the image's PNG length in bits (Serrà et al. 2020);
 *  - likelihood-ratio: −log p(x) + log p_bg(x), p_bg the same model trained on a noisy copy of the class (Ren et al.
 *                      2019): what the background also finds likely (stroke width, blank margins) cancels out.
 * Each is computed either on the dataset's own binary images or, with N binarizations, averaged over N fresh
 * Bernoulli draws of each image's 8-bit original: one fixed draw is a noisy sample of the digit, and a binary model's
 * −log p moves by several nats between draws of the same image.
 */
import { binarizedDraw, greyName } from "../data/binarize.js";
import { loadDataset, type Split, type SplitName } from "../data/datasets.js";
import { complexityOfImages } from "../eval/ood.js";
import { evaluateNll } from "../eval/likelihood.js";
import type { GenerativeModel, Scorer } from "../models/index.js";

export type OneClassScore = "nll" | "complexity" | "likelihood-ratio";
export const ONE_CLASS_SCORES: Record<OneClassScore, string> = {
  nll: "-log p(x)",
  complexity: "-log2 p(x) - PNG bits",
  "likelihood-ratio": "-log p(x) + log p_background(x)",
};

/** The seeds of the binarization draws: one stream per split, the same for every model and configuration. */
const DRAW_SEED: Record<SplitName, number> = { train: 0x62696e00, valid: 0x62696e01, test: 0x62696e02 };

/** The images a score reads: the split as stored, or N binarizations of its 8-bit originals (made when asked). */
export interface ScoringImages {
  labels: Int32Array;
  count: number;
  draw(k: number): Split;
  /** PNG length in bits of every image of draw k (kept: each draw's are reused by every class) */
  bits(k: number): Float64Array;
  /** how the images were made, for reports */
  description: string;
}

export function scoringImages(data: string, split: SplitName, binarizations: number, dataDir?: string): ScoringImages {
  return imagesOf(data, split, binarizations, { dataDir });
}

/**
 * The first `limit` training images of one class, made as the scored images are (stored, or N draws of the 8-bit
 * originals from the train split's stream): what a score's scale is fitted on when scores of several models are
 * combined, so that no test or valid image takes part.
 */
export function classTrainingImages(
  data: string,
  digit: number,
  binarizations: number,
  opts: { limit?: number; dataDir?: string } = {},
): ScoringImages {
  return imagesOf(data, "train", binarizations, { ...opts, digit });
}

/** A split's rows of one class, the first `limit` of them. */
function classRows(s: Split, digit: number, limit: number): Split {
  const rows: number[] = [];
  for (let i = 0; i < s.n && rows.length < limit; i++) if (s.labels![i] === digit) rows.push(i);
  const values = new Float32Array(rows.length * s.dim);
  rows.forEach((r, j) => values.set(s.values.subarray(r * s.dim, (r + 1) * s.dim), j * s.dim));
  return { ...s, n: rows.length, values, labels: Int32Array.from(rows, () => digit) };
}

function imagesOf(
  data: string,
  split: SplitName,
  binarizations: number,
  opts: { dataDir?: string; digit?: number; limit?: number },
): ScoringImages {
  if (!Number.isInteger(binarizations) || binarizations < 0)
    throw new RangeError(`binarizations must be a non-negative integer, got ${binarizations}`);
  const select = (s: Split): Split =>
    opts.digit === undefined ? s : classRows(s, opts.digit, opts.limit ?? Number.POSITIVE_INFINITY);
  const stored = select(loadDataset(data, opts.dataDir).split(split));
  if (!stored.labels) throw new RangeError(`dataset "${data}" has no labels; use mnist-fixed or mnist-dynamic`);
  const which = opts.digit === undefined ? `the ${split} images` : `${stored.n} ${split} images of digit ${opts.digit}`;
  let draw = (_k: number): Split => stored,
    description = `${which} of ${data}`;
  if (binarizations > 0) {
    const grey = greyName(data);
    if (!grey)
      throw new RangeError(
        `binarizations: dataset "${data}" is not a binarization of an 8-bit dataset; score its stored images with 0`,
      );
    const greySplit = select(loadDataset(grey, opts.dataDir).split(split));
    draw = (k) => binarizedDraw(greySplit, DRAW_SEED[split], k);
    description = `the mean over ${binarizations} binarizations of the 8-bit ${which.replace(/^the /, "")} of ${grey}`;
  }
  const bits = new Map<number, Float64Array>();
  return {
    labels: stored.labels,
    count: Math.max(1, binarizations),
    draw,
    bits(k) {
      let b = bits.get(k);
      if (!b) {
        const s = draw(k);
        b = complexityOfImages(s.values, s.n, s.shape);
        bits.set(k, b);
      }
      return b;
    },
    description,
  };
}

type ScoringModel = GenerativeModel & Scorer;

/** One draw's scores from the model's (and the background's) −log p(x) in nats. */
export function drawScores(score: OneClassScore, nats: Float64Array, other: Float64Array | null): Float64Array {
  if (other && other.length !== nats.length) throw new RangeError(`${nats.length} scores and ${other.length} others`);
  if (score === "nll") return Float64Array.from(nats);
  if (!other) throw new RangeError(`score ${score}: missing ${score === "complexity" ? "PNG bits" : "background"}`);
  return score === "complexity"
    ? Float64Array.from(nats, (v, i) => v / Math.LN2 - other[i]!)
    : Float64Array.from(nats, (v, i) => v - other[i]!);
}

/** The mean score of every image over the draws, and the estimator of the model's log-likelihood. */
export function oneClassScores(
  score: OneClassScore,
  images: ScoringImages,
  model: ScoringModel,
  background: ScoringModel | null,
  seed: number,
): { scores: Float64Array; estimator: string } {
  if (score === "likelihood-ratio" && !background) throw new RangeError("likelihood-ratio needs a background model");
  let estimator = "exact";
  const nll = (m: ScoringModel, s: Split): Float64Array => {
    const r = evaluateNll(m, s, { batchSize: 500, seed, keepPerImage: true });
    estimator = r.estimator;
    return r.perImage!;
  };
  const sum = new Float64Array(images.labels.length);
  for (let k = 0; k < images.count; k++) {
    const s = images.draw(k);
    const other = score === "complexity" ? images.bits(k) : score === "likelihood-ratio" ? nll(background!, s) : null;
    drawScores(score, nll(model, s), other).forEach((v, i) => (sum[i]! += v));
  }
  return { scores: sum.map((v) => v / images.count), estimator };
}

/**
 * The scores of several models combined: each standardized by the mean and standard deviation of its scores on the
 * class's training images (`fit`), then averaged, so that no model dominates by its scale (a MADE's and a NADE's
 * −log p spread differently). One part is returned as it is.
 */
export function combineScores(parts: { scores: Float64Array; fit: Float64Array | null }[]): Float64Array {
  if (parts.length === 1) return parts[0]!.scores;
  const out = new Float64Array(parts[0]!.scores.length);
  for (const { scores, fit } of parts) {
    if (!fit || fit.length < 2) throw new RangeError("combining scores needs at least two standardization scores");
    const mean = fit.reduce((a, b) => a + b, 0) / fit.length;
    const sd = Math.sqrt(fit.reduce((a, b) => a + (b - mean) ** 2, 0) / (fit.length - 1));
    if (!(sd > 0)) throw new RangeError("combining scores: a model's standardization scores are all equal");
    scores.forEach((v, i) => (out[i]! += (v - mean) / sd / parts.length));
  }
  return out;
}
