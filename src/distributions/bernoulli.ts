/** The Bernoulli distribution parameterised by logits (stable in float32). */
import { noGrad } from "../autograd/tape.js";
import { bceWithLogits } from "../ops/loss.js";
import { bernoulli } from "../tensor/create.js";
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";

export class Bernoulli {
  constructor(readonly logits: Tensor) {}

  /**
   * Maximum likelihood from samples x [n, ...]: p = (Σx + α)/(n + 2α) per element over axis 0 (α = 0 is the plain
   * frequency; α = 1 is Laplace smoothing, which keeps logits finite for pixels that are always 0 or 1).
   */
  static fit(x: Tensor, alpha = 0): Bernoulli {
    const n = x.shape[0]!;
    const p = x
      .sum(0)
      .add(alpha)
      .div(n + 2 * alpha)
      .clamp(1e-7, 1 - 1e-7);
    return new Bernoulli(p.log().sub(p.neg().log1p()).detach());
  }

  get probs(): Tensor {
    return this.logits.sigmoid();
  }
  get mean(): Tensor {
    return this.probs;
  }

  /** log p(x) elementwise: −BCE(logits, x). */
  logProb(x: Tensor): Tensor {
    return bceWithLogits(this.logits, x, { reduction: "none" }).neg();
  }

  /** H = softplus(z) − z·σ(z), elementwise. */
  entropy(): Tensor {
    return this.logits.softplus().sub(this.logits.mul(this.logits.sigmoid()));
  }

  sample(generator?: Generator): Tensor {
    return noGrad(() => bernoulli(this.probs, undefined, { generator }));
  }
}
