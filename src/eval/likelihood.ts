/** Average negative log-likelihood of a split, in nats and bits per dimension, with the estimator that produced it. */
import { batches } from "../data/loader.js";
import type { Split } from "../data/datasets.js";
import { labelsFor, type Estimator, type GenerativeModel, type Scorer } from "../models/base.js";
import { noGrad } from "../autograd/tape.js";
import { Generator } from "../tensor/rng.js";

export interface NllResult {
  nll_nats: number;
  bits_per_dim: number;
  estimator: Estimator;
  n: number;
  /** per-image −log p(x) in nats (anomaly scores), when asked for */
  perImage?: Float64Array;
}

export function evaluateNll(
  model: GenerativeModel & Scorer,
  split: Split,
  opts: {
    batchSize?: number;
    seed?: number;
    keepPerImage?: boolean;
    validation?: boolean;
    onBatch?: (done: number) => void;
  } = {},
): NllResult {
  const wasTraining = model.training;
  model.eval();
  const g = new Generator(opts.seed ?? 0);
  const per = new Float64Array(split.n);
  let estimator: Estimator = "exact",
    at = 0;
  try {
    noGrad(() => {
      for (const b of batches(split, { batchSize: opts.batchSize ?? model.evalBatchSize ?? 500 })) {
        // a class-conditional model scores −log p(x | y) with the split's labels
        const labels = labelsFor(model, b.labels, `split "${split.name}"`);
        const r =
          opts.validation && model.validationLogLikelihood
            ? model.validationLogLikelihood(b.x, g)
            : model.logLikelihood(b.x, g, labels);
        estimator = r.estimator;
        r.logp.forEach((v, i) => (per[at + i] = -v));
        at += r.logp.length;
        opts.onBatch?.(at);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const nll = per.reduce((a, b) => a + b, 0) / split.n;
  return {
    nll_nats: nll,
    bits_per_dim: nll / (split.dim * Math.LN2),
    estimator,
    n: split.n,
    ...(opts.keepPerImage ? { perImage: per } : {}),
  };
}
