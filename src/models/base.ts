/**
 * Model families. A model declares its layers and its log-likelihood; training, evaluation and sampling come from
 * here and from the Trainer. Sampling is written once per family.
 */
import { noGrad } from "../autograd/tape.js";
import { bceWithLogits } from "../ops/loss.js";
import { Module } from "../nn/module.js";
import { tensor } from "../tensor/create.js";
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";

/** How a log-likelihood figure was obtained. */
export type Estimator = "exact" | "elbo" | `iwae-${number}` | "reconstruction";

export interface LikelihoodResult {
  /** per-image log p(x) (or its bound) in nats */
  logp: Float64Array;
  estimator: Estimator;
}

/** The data a model is built for: values per image and their [channels, height, width] layout. */
export interface DataShape {
  dim: number;
  shape: [number, number, number];
}

export abstract class GenerativeModel extends Module {
  abstract readonly modelName: string;
  /** the JSON options the model was created with (saved in checkpoints) */
  abstract readonly config: object;

  /** The training objective for a batch x [B, dim]: nats per image, averaged over the batch. */
  abstract loss(x: Tensor, generator: Generator): Tensor;

  /** Per-image log-likelihood (exact or a stated bound) for evaluation; called without grad. */
  abstract logLikelihood(x: Tensor, generator: Generator): LikelihoodResult;

  /** n samples [n, dim] with values in [0, 1]. */
  abstract sample(n: number, generator: Generator): Tensor;

  /** What validation during training reports (a cheaper bound where the full estimate is expensive). */
  validationLogLikelihood(x: Tensor, generator: Generator): LikelihoodResult {
    return this.logLikelihood(x, generator);
  }
}

/**
 * p(x) = Π_i p(x_{o(i)} | x_{o(<i)}) over binary pixels in an order o. Subclasses give the conditional logits for
 * every position at once (valid because position o(i) sees only earlier positions).
 */
export abstract class AutoregressiveModel extends GenerativeModel {
  /** logits of p(x_i = 1 | x_<i) for every i, [B, dim] */
  abstract conditionalLogits(x: Tensor): Tensor;

  /** the generation order (a permutation of 0..dim−1) */
  abstract order(): Int32Array;

  loss(x: Tensor, _generator?: Generator): Tensor {
    return bceWithLogits(this.conditionalLogits(x), x, { reduction: "none" }).sum(1).mean();
  }

  logLikelihood(x: Tensor, _generator?: Generator): LikelihoodResult {
    const nll = noGrad(() => bceWithLogits(this.conditionalLogits(x), x, { reduction: "none" }).sum(1)).toArray();
    return { logp: Float64Array.from(nll, (v) => -v), estimator: "exact" };
  }

  sample(n: number, generator: Generator): Tensor {
    return this.complete(tensor(new Float32Array(n * this.dim), [n, this.dim]), null, generator);
  }

  abstract readonly dim: number;

  /**
   * Fills the unobserved pixels of x [n, dim] by ancestral sampling in the model's order; `observed` [dim] marks the
   * pixels to keep (null: none). One pass of the network per position: subclasses with a cheaper recurrence override.
   */
  complete(x: Tensor, observed: Uint8Array | null, generator: Generator): Tensor {
    return noGrad(() => {
      const n = x.shape[0]!,
        D = this.dim,
        cur = Float32Array.from(x.toArray());
      const order = this.order();
      for (const i of order) {
        if (observed?.[i]) continue;
        const logits = this.conditionalLogits(tensor(cur, [n, D])).toArray();
        const u = generator.uniform01(n);
        for (let b = 0; b < n; b++) cur[b * D + i] = u[b]! < 1 / (1 + Math.exp(-logits[b * D + i]!)) ? 1 : 0;
      }
      return tensor(cur, [n, D]);
    });
  }
}
