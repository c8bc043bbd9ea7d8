/**
 * Out-of-distribution scores from a density model, higher = more likely out of distribution:
 *  - nll:               −log p(x) in nats;
 *  - likelihood-ratio:  −log p(x) + log p_bg(x), p_bg a model of the same kind trained on perturbed in-distribution
 *                       data, which captures background statistics but not the semantics (Ren et al. 2019 [1]);
 *  - complexity:        −log₂ p(x) − L(x), L(x) the image's length in bits under a lossless compressor, which
 *                       removes how simple an image is from its likelihood (Serrà et al. 2020 [2]);
 *  - typicality:        |−log p(x) − mean training NLL|, the single-image (batch of M = 1) version of the
 *                       typicality test of Nalisnick et al. 2019 [3].
 * [1]: https://arxiv.org/abs/1906.02845  [2]: https://arxiv.org/abs/1909.11480  [3]: https://arxiv.org/abs/1906.02994
 */
import { encodeImagePng } from "../data/png.js";

export const OOD_SCORES = ["nll", "likelihood-ratio", "complexity", "typicality"] as const;
export type OodScoreName = (typeof OOD_SCORES)[number];

export const OOD_SCORE_DESCRIPTIONS: Record<OodScoreName, string> = {
  nll: "−log p(x), nats",
  "likelihood-ratio": "−log p(x) + log p_background(x), nats (Ren et al. 2019)",
  complexity: "−log2 p(x) − PNG length, bits (Serrà et al. 2020)",
  typicality: "|−log p(x) − mean train NLL|, nats, one image per test (Nalisnick et al. 2019)",
};

/** L(x): the length in bits of the image as an 8-bit PNG (the project's encoder, see `encodeImagePng`). */
export function pngComplexityBits(values: ArrayLike<number>, shape: [number, number, number]): number {
  return 8 * encodeImagePng(values, shape).length;
}

/** L(x) for each of n images stored row after row in `values`. */
export function complexityOfImages(values: Float32Array, n: number, shape: [number, number, number]): Float64Array {
  const d = shape[0] * shape[1] * shape[2];
  return Float64Array.from({ length: n }, (_, i) => pngComplexityBits(values.subarray(i * d, (i + 1) * d), shape));
}

export interface OodInputs {
  /** −log p(x) per image under the model, nats */
  nll: Float64Array;
  /** −log p_bg(x) per image under the background model, nats (omit to skip the likelihood ratio) */
  backgroundNll?: Float64Array;
  /** L(x) per image in bits (omit to skip the complexity score) */
  complexityBits?: Float64Array;
  /** mean −log p(x) of training images, nats (omit to skip typicality) */
  trainNll?: number;
}

/** Every score the inputs allow, per image. */
export function oodScores(o: OodInputs): Partial<Record<OodScoreName, Float64Array>> {
  const n = o.nll.length;
  for (const [k, v] of [
    ["backgroundNll", o.backgroundNll],
    ["complexityBits", o.complexityBits],
  ] as const)
    if (v && v.length !== n) throw new RangeError(`oodScores: ${v.length} ${k} for ${n} images`);
  const out: Partial<Record<OodScoreName, Float64Array>> = { nll: Float64Array.from(o.nll) };
  if (o.backgroundNll) {
    const bg = o.backgroundNll;
    out["likelihood-ratio"] = o.nll.map((v, i) => v - bg[i]!);
  }
  if (o.complexityBits) {
    const c = o.complexityBits;
    out.complexity = o.nll.map((v, i) => v / Math.LN2 - c[i]!);
  }
  if (o.trainNll !== undefined) {
    const m = o.trainNll;
    out.typicality = o.nll.map((v) => Math.abs(v - m));
  }
  return out;
}

/** Indices of the k highest scores, highest first (ties by index). */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}
