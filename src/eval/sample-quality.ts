/**
 * Every sample-quality metric of a set of generated MNIST digits against a reference set of real ones, with the
 * classifier that defines the feature space, and the "floor": the same metrics for real training images in place of
 * samples (what a perfect sampler would score at this sample size).
 */
import { loadDataset, type Split } from "../data/datasets.js";
import { tensor } from "../tensor/create.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { FeatureExtractor } from "./classifier/classifier.js";
import {
  classifierScore,
  classifierScoreSplits,
  labelAccuracy,
  labelHistogram,
  totalVariation,
  type LabelHistogram,
} from "./classifier-score.js";
import { fid } from "./fid.js";
import { fromTensor } from "./linalg64.js";
import { parzenWindow, PARZEN_SIGMAS, type ParzenResult } from "./parzen.js";
import { precisionRecall } from "./precision-recall.js";

/** The real images samples are compared with, and what they are. */
export interface ReferenceSet {
  /** a sentence for reports, e.g. "MNIST test split, 8-bit scaled to [0, 1]" */
  description: string;
  /** the dataset name in src/data/datasets.ts ("mnist", "mnist-fixed", "binarized-mnist") */
  dataset: string;
  binarized: boolean;
  /** [M, 784]: compared with the samples (FID, precision/recall, labels) and the Parzen test points */
  images: Tensor;
  /** [V, 784] held-out images for choosing the Parzen σ */
  validation: Tensor;
}

const rows = (s: Split, n: number): Tensor => {
  const m = Math.min(n, s.n);
  return tensor(s.values.slice(0, m * s.dim), [m, s.dim]);
};

/**
 * MNIST test images as the reference, 8-bit (dataset "mnist") or binarized once with a fixed seed ("mnist-fixed"),
 * with the first `nValid` validation images for Parzen σ selection.
 */
export function mnistReference(opts: { binarized?: boolean; n?: number; nValid?: number; dataDir?: string } = {}) {
  const name = opts.binarized ? "mnist-fixed" : "mnist";
  const data = loadDataset(name, opts.dataDir);
  const ref: ReferenceSet = {
    description: opts.binarized
      ? "MNIST test split, binarized once by seeded Bernoulli draws (mnist-fixed)"
      : "MNIST test split, 8-bit scaled to [0, 1] (mnist)",
    dataset: name,
    binarized: !!opts.binarized,
    images: rows(data.split("test"), opts.n ?? 10000),
    validation: rows(data.split("valid"), opts.nValid ?? 1000),
  };
  return ref;
}

export interface SampleQualityOptions {
  /** neighbourhood size of precision/recall (default 3, as in Kynkäänniemi et al.) */
  k?: number;
  /** number of splits for the classifier score's mean ± std (default 10) */
  splits?: number;
  /** the Parzen-window estimate (default on); its σ grid */
  parzen?: boolean | { sigmas?: readonly number[] };
  onProgress?: (stage: "features" | "fid" | "precision-recall" | "parzen") => void;
  /** the class each sample was drawn as (a class-conditional model's): adds `label_accuracy` */
  labels?: Int32Array | null;
}

export interface SampleQuality {
  n_samples: number;
  /** every sample value is 0 or 1 */
  samples_binary: boolean;
  reference: { description: string; dataset: string; binarized: boolean; n: number; n_valid: number };
  classifier: { id: string; feature_dim: number; test_accuracy: number | null };
  fid: number;
  classifier_score: number;
  classifier_score_splits: { mean: number; std: number; splits: number };
  precision: number;
  recall: number;
  k: number;
  label_histogram: LabelHistogram;
  /** total variation between the samples' and the reference's predicted-label fractions */
  label_tv_to_reference: number;
  /** for samples drawn as given classes: the fraction the classifier reads as the class asked for (else null) */
  label_accuracy: number | null;
  parzen: ParzenResult | null;
}

function checkImages(what: string, x: Tensor): void {
  if (x.ndim !== 2 || x.shape[1] !== 784 || x.dtype !== "float32")
    throw new TypeError(`sampleQuality: ${what} ${fmt(x.shape)} (${x.dtype}) must be float32 [N, 784] in [0, 1]`);
}

export function sampleQuality(
  samples: Tensor,
  reference: ReferenceSet,
  classifier: FeatureExtractor & { provenance?: { testAccuracy: number } },
  opts: SampleQualityOptions = {},
): SampleQuality {
  checkImages("samples", samples);
  checkImages("reference images", reference.images);
  const k = opts.k ?? 3,
    splits = opts.splits ?? 10;
  if (samples.shape[0]! <= k || reference.images.shape[0]! <= k)
    throw new RangeError(`sampleQuality: need more than k = ${k} samples and reference images`);
  opts.onProgress?.("features");
  const fs = fromTensor(classifier.features(samples)),
    fr = fromTensor(classifier.features(reference.images));
  const ps = fromTensor(classifier.probs(samples)),
    pr = fromTensor(classifier.probs(reference.images));
  opts.onProgress?.("fid");
  const fidValue = fid(fs, fr);
  opts.onProgress?.("precision-recall");
  const prk = precisionRecall(fr, fs, k);
  const hist = labelHistogram(ps);
  let parzen: ParzenResult | null = null;
  if (opts.parzen !== false) {
    opts.onProgress?.("parzen");
    const sigmas = (typeof opts.parzen === "object" && opts.parzen.sigmas) || PARZEN_SIGMAS;
    const pts = (t: Tensor) => ({ rows: t.shape[0]!, cols: 784, data: t.contiguous().data });
    parzen = parzenWindow(pts(samples), pts(reference.validation), pts(reference.images), sigmas);
  }
  const data = samples.contiguous().data;
  return {
    n_samples: samples.shape[0]!,
    samples_binary: data.every((v) => v === 0 || v === 1),
    reference: {
      description: reference.description,
      dataset: reference.dataset,
      binarized: reference.binarized,
      n: reference.images.shape[0]!,
      n_valid: reference.validation.shape[0]!,
    },
    classifier: { id: classifier.id, feature_dim: fs.cols, test_accuracy: classifier.provenance?.testAccuracy ?? null },
    fid: fidValue,
    classifier_score: classifierScore(ps),
    classifier_score_splits: { ...classifierScoreSplits(ps, Math.min(splits, ps.rows)), splits },
    precision: prk.precision,
    recall: prk.recall,
    k,
    label_histogram: hist,
    label_tv_to_reference: totalVariation(hist.fractions, labelHistogram(pr).fractions),
    label_accuracy: opts.labels ? labelAccuracy(ps, opts.labels) : null,
    parzen,
  };
}

/**
 * The floor: the metrics of `n` real training images (same dataset and binarization as the reference) standing in
 * for samples. Scores a model cannot be expected to beat at this sample size.
 */
export function qualityFloor(
  reference: ReferenceSet,
  classifier: FeatureExtractor & { provenance?: { testAccuracy: number } },
  n: number,
  opts: SampleQualityOptions & { dataDir?: string } = {},
): SampleQuality {
  const train = loadDataset(reference.dataset, opts.dataDir).split("train");
  return sampleQuality(rows(train, n), reference, classifier, opts);
}
