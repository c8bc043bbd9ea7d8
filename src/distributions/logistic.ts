/**
 * Discretized mixture of logistics (Salimans et al. 2017, PixelCNN++) for 8-bit values rescaled to [−1, 1]: the
 * probability of bin x is the logistic CDF mass over [x − 1/255, x + 1/255], with the edge bins open-ended.
 */
import { noGrad } from "../autograd/tape.js";
import { where } from "../ops/elementwise.js";
import { tensor } from "../tensor/create.js";
import type { Generator } from "../tensor/rng.js";
import { getDefaultGenerator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { Categorical } from "./categorical.js";

export class DiscretizedLogisticMixture {
  /** logits, loc, logScale: [..., K]; data [...] in [−1, 1] on the 256-level grid. */
  constructor(
    readonly logits: Tensor,
    readonly loc: Tensor,
    readonly logScale: Tensor,
    readonly bins = 256,
  ) {}

  logProb(x: Tensor): Tensor {
    const half = 1 / (this.bins - 1);
    const centered = x.unsqueeze(-1).sub(this.loc);
    const inv = this.logScale.neg().exp();
    const plusIn = centered.add(half).mul(inv),
      minIn = centered.sub(half).mul(inv);
    const logCdfPlus = plusIn.logSigmoid(); // lowest bin: P(X ≤ x + h)
    const logOneMinusCdfMin = minIn.neg().logSigmoid(); // highest bin: P(X > x − h)
    const cdfDelta = plusIn.sigmoid().sub(minIn.sigmoid());
    const midIn = centered.mul(inv);
    // when the bin mass underflows, use the density at the centre times the bin width
    const logPdfMid = midIn
      .sub(this.logScale)
      .sub(midIn.softplus().mul(2))
      .sub(Math.log((this.bins - 1) / 2));
    const logMid = where(cdfDelta.gt(1e-5), cdfDelta.clamp(1e-12, Infinity).log(), logPdfMid);
    const xe = x.unsqueeze(-1).expand(...this.loc.shape);
    const logBin = where(xe.lt(-0.999), logCdfPlus, where(xe.gt(0.999), logOneMinusCdfMin, logMid));
    return logBin.add(this.logits.logSoftmax(-1)).logSumExp(-1);
  }

  /**
   * A component per element, then a logistic draw μ + s·log(u/(1−u)) clamped to [−1, 1] and rounded to its bin.
   */
  sample(generator?: Generator): Tensor {
    return noGrad(() => {
      const g = generator ?? getDefaultGenerator();
      const K = this.logits.shape[this.logits.ndim - 1]!;
      const k = new Categorical(this.logits).sample(g).toArray();
      const mu = this.loc.toArray(),
        ls = this.logScale.toArray(),
        u = g.uniform01(k.length);
      const out = k.map((c, i) => {
        const ui = Math.min(Math.max(u[i]!, 1e-5), 1 - 1e-5);
        const v = mu[i * K + c]! + Math.exp(ls[i * K + c]!) * (Math.log(ui) - Math.log(1 - ui));
        const clamped = Math.min(Math.max(v, -1), 1);
        return (Math.round(((clamped + 1) / 2) * (this.bins - 1)) / (this.bins - 1)) * 2 - 1;
      });
      return tensor(out, this.logits.shape.slice(0, -1), { dtype: this.loc.dtype });
    });
  }
}
