/** The categorical distribution parameterised by logits (stable in float32). */
import { noGrad } from "../autograd/tape.js";
import { crossEntropy } from "../ops/loss.js";
import { categorical, tensor } from "../tensor/create.js";
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";

/** A categorical distribution over the last axis of `logits` [..., K]. */
export class Categorical {
  constructor(readonly logits: Tensor) {
    if (logits.ndim < 1) throw new TypeError("Categorical: logits need a class axis");
  }

  get classes(): number {
    return this.logits.shape[this.logits.ndim - 1]!;
  }

  /** Maximum likelihood from observed classes: p_k = (count_k + α)/(n + Kα). */
  static fit(observed: ArrayLike<number>, classes: number, alpha = 0): Categorical {
    const counts = new Float64Array(classes);
    for (let i = 0; i < observed.length; i++) {
      const k = observed[i]!;
      if (!Number.isInteger(k) || k < 0 || k >= classes)
        throw new RangeError(`Categorical.fit: class ${k} at ${i} is not in [0, ${classes})`);
      counts[k]!++;
    }
    const total = observed.length + classes * alpha;
    return new Categorical(tensor(Array.from(counts, (c) => Math.log(Math.max((c + alpha) / total, 1e-30)))));
  }
  get probs(): Tensor {
    return this.logits.softmax(-1);
  }

  /** log p(k) for integer classes with the logits' shape minus the last axis. */
  logProb(k: ArrayLike<number> | Tensor): Tensor {
    return crossEntropy(this.logits, k, { axis: -1, reduction: "none" }).neg();
  }

  /** H = −Σ p log p over the class axis. */
  entropy(): Tensor {
    return this.probs.mul(this.logits.logSoftmax(-1)).sum(-1).neg();
  }

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
  const lp = p.logits.logSoftmax(-1),
    lq = q.logits.logSoftmax(-1);
  return lp.exp().mul(lp.sub(lq)).sum(-1);
}
