/** `evaluate`: the NLL of a split under a trained run, with its estimator, and per-image anomaly scores. */
import { evaluateNll } from "../eval/likelihood.js";
import { isScorer } from "../models/index.js";
import { requireCapability } from "./capabilities.js";
import { openRun, runDataset, checkSplit } from "./runs.js";

export interface EvaluateOptions {
  split?: string;
  dataDir?: string;
  batchSize?: number;
  /** keep −log p(x) of every image (anomaly scores) */
  scores?: boolean;
  /** images done so far, after every batch */
  onProgress?(done: number, total: number): void;
}

export interface EvalResult {
  model: string;
  nll_nats: number;
  bits_per_dim: number;
  estimator: string;
  binarization: string;
  split: string;
  n: number;
  dataset: string;
  /** per-image −log p(x) in nats, when asked for */
  scores?: Float64Array;
  /** the split's labels, where it has them (to turn scores into detection metrics) */
  labels: Int32Array | null;
}

export function evaluate(target: string, o: EvaluateOptions = {}): EvalResult {
  const run = openRun(target);
  const model = requireCapability(run.model, run.config.model, isScorer, "exact-density", "evaluate a likelihood");
  const split = checkSplit(o.split ?? "test");
  const ds = runDataset(run, o.dataDir ? { dataDir: o.dataDir } : {});
  const data = ds.split(split);
  const r = evaluateNll(model, data, {
    ...(o.batchSize ? { batchSize: o.batchSize } : {}),
    seed: run.config.seed,
    keepPerImage: !!o.scores,
    onBatch: (done) => o.onProgress?.(done, data.n),
  });
  return {
    model: run.config.model,
    nll_nats: r.nll_nats,
    bits_per_dim: r.bits_per_dim,
    estimator: r.estimator,
    binarization: ds.binarization,
    split,
    n: r.n,
    dataset: run.config.dataset,
    labels: data.labels,
    ...(r.perImage ? { scores: r.perImage } : {}),
  };
}
