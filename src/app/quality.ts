/**
 * Sample quality of a run: n samples, held against the reference set that matches the run's data (binarized test
 * images for binary models, 8-bit ones otherwise), in the feature space of deepgen's MNIST classifier (trained once,
 * cached) — FID, classifier score, precision/recall, label histogram, optionally Parzen — beside the floor: the
 * same metrics for n real training images.
 */
import { canSample } from "../models/index.js";
import { ensureClassifier, mnistReference, qualityFloor, sampleQuality } from "../eval/quality.js";
import type { ClassifierProgress } from "../eval/classifier/train.js";
import type { SampleQuality } from "../eval/sample-quality.js";
import type { RejectionStats } from "../models/adversarial/rejection.js";
import { tensor } from "../tensor/create.js";
import { requireCapability } from "./capabilities.js";
import { sample } from "./generate.js";
import { openRun, runDataset } from "./runs.js";

export interface RunQualityOptions {
  n: number;
  seed?: number;
  /** the classifier's cache directory (default $DEEPGEN_CACHE/classifier or ~/.cache/deepgen/classifier) */
  cacheDir?: string;
  parzen?: boolean;
  dataDir?: string;
  /** sample with the latent truncated to |z_i| ≤ ψ (the scores are then those of truncated samples) */
  truncation?: number;
  /** sample by discriminator rejection with this γ (the scores are then those of the kept images) */
  rejection?: number;
  /** the classifier's training, on first use */
  onClassifier?(p: ClassifierProgress): void;
}

export interface RunQuality {
  model: string;
  /** ψ where the latent was truncated (the samples are not the model's distribution), else null */
  truncation: number | null;
  /** what discriminator rejection sampling drew and kept, where it was used, else null */
  rejection: RejectionStats | null;
  samples: SampleQuality;
  floor: SampleQuality;
}

export function runSampleQuality(target: string, o: RunQualityOptions): RunQuality {
  const run = openRun(target);
  requireCapability(run.model, run.config.model, canSample, "sampler", "sample");
  const binarized = runDataset(run, o.dataDir ? { dataDir: o.dataDir } : {}).binarization !== "none";
  const clf = ensureClassifier(o.cacheDir ? { cacheDir: o.cacheDir } : {}, o.onClassifier);
  const n = Math.min(o.n, 10000);
  const ref = mnistReference({ binarized, n, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
  const s = sample(target, {
    n,
    seed: o.seed ?? 0,
    ...(o.truncation !== undefined ? { truncation: o.truncation } : {}),
    ...(o.rejection !== undefined ? { rejection: o.rejection } : {}),
  });
  const opts = { parzen: !!o.parzen };
  return {
    model: run.config.model,
    truncation: o.truncation ?? null,
    rejection: s.rejection,
    samples: sampleQuality(tensor(s.values, [s.n, s.values.length / s.n]), ref, clf, { ...opts, labels: s.labels }),
    floor: qualityFloor(ref, clf, n, opts),
  };
}
