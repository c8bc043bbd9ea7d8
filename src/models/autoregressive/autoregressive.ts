/**
 * p(x) = Π_i p(x_{o(i)} | x_{o(<i)}) over binary pixels in an order o. Subclasses give the conditional logits for
 * every position at once (valid because position o(i) sees only earlier positions); sampling and completion are
 * written once here.
 */
import { noGrad } from "../../autograd/tape.js";
import { bceWithLogits } from "../../ops/loss.js";
import { tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { LikelihoodModel, type Capability, type Completer, type LikelihoodResult, type Sampler } from "../base.js";
import type { Scorer } from "../base.js";

export abstract class AutoregressiveModel extends LikelihoodModel implements Scorer, Sampler, Completer {
  readonly capabilities: readonly Capability[] = ["exact-density", "sampler", "completer", "trainable"];
  abstract readonly dim: number;

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

  /**
   * Ancestral sampling of the unobserved pixels in the model's order. One pass of the network per position:
   * subclasses with a cheaper recurrence override.
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
