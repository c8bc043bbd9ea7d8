/** Bernoulli and Categorical distributions parameterised by logits (stable in float32). */
import { noGrad } from "../autograd/tape.js";
import { bceWithLogits } from "../ops/elementwise.js";
import { crossEntropy } from "../ops/loss.js";
import { bernoulli, categorical, tensor } from "../tensor/create.js";
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";

export class Bernoulli {
  constructor(readonly logits: Tensor) {}

  get probs(): Tensor { return this.logits.sigmoid(); }
  get mean(): Tensor { return this.probs; }

  /** log p(x) elementwise: −BCE(logits, x). */
  logProb(x: Tensor): Tensor { return bceWithLogits(this.logits, x).neg(); }

  /** H = softplus(z) − z·σ(z), elementwise. */
  entropy(): Tensor { return this.logits.softplus().sub(this.logits.mul(this.logits.sigmoid())); }

  sample(generator?: Generator): Tensor {
    return noGrad(() => bernoulli(this.probs, undefined, { generator }));
  }
}

/** A categorical distribution over the last axis of `logits` [..., K]. */
export class Categorical {
  constructor(readonly logits: Tensor) {
    if (logits.ndim < 1) throw new TypeError("Categorical: logits need a class axis");
  }

  get classes(): number { return this.logits.shape[this.logits.ndim - 1]!; }
  get probs(): Tensor { return this.logits.softmax(-1); }

  /** log p(k) for integer classes with the logits' shape minus the last axis. */
  logProb(k: ArrayLike<number> | Tensor): Tensor { return crossEntropy(this.logits, k, -1).neg(); }

  /** H = −Σ p log p over the class axis. */
  entropy(): Tensor { return this.probs.mul(this.logits.logSoftmax(-1)).sum(-1).neg(); }

  /** One class per row, as a tensor of class ids with the batch shape. */
  sample(generator?: Generator): Tensor {
    return noGrad(() => {
      const flat = this.logits.reshape(-1, this.classes);
      return tensor(categorical(flat, { generator }), this.logits.shape.slice(0, -1));
    });
  }
}

/** KL(p ‖ q) = Σ p (log p − log q) over the class axis. */
export function klCategorical(p: Categorical, q: Categorical): Tensor {
  const lp = p.logits.logSoftmax(-1), lq = q.logits.logSoftmax(-1);
  return lp.exp().mul(lp.sub(lq)).sum(-1);
}
