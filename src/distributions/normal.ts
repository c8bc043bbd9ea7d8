/** Diagonal Normal, mixture of Gaussians, and KL between Normals. */
import { noGrad } from "../autograd/tape.js";
import { randn, tensor } from "../tensor/create.js";
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { Categorical } from "./categorical.js";

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export class Normal {
  /** Elementwise N(loc, scale²); `logScale` = log σ is kept for stable log-densities. */
  constructor(
    readonly loc: Tensor,
    readonly logScale: Tensor,
  ) {}

  static fromScale(loc: Tensor, scale: Tensor): Normal {
    return new Normal(loc, scale.log());
  }
  /** From a log-variance, as VAE encoders emit it. */
  static fromLogVar(loc: Tensor, logVar: Tensor): Normal {
    return new Normal(loc, logVar.mul(0.5));
  }

  get scale(): Tensor {
    return this.logScale.exp();
  }

  /** log N(x; μ, σ²) = −½((x−μ)/σ)² − log σ − ½ log 2π, elementwise. */
  logProb(x: Tensor): Tensor {
    const z = x.sub(this.loc).mul(this.logScale.neg().exp());
    return z.square().mul(-0.5).sub(this.logScale).sub(HALF_LOG_2PI);
  }

  /** H = ½ log(2πe) + log σ. */
  entropy(): Tensor {
    return this.logScale.add(0.5 + HALF_LOG_2PI);
  }

  /** μ + σ·ε, ε ~ N(0, I): differentiable in μ and σ (the reparameterisation trick). */
  rsample(generator?: Generator): Tensor {
    return this.loc.add(this.scale.mul(randn([...this.loc.shape], { generator, dtype: this.loc.dtype })));
  }

  sample(generator?: Generator): Tensor {
    return noGrad(() => this.rsample(generator));
  }
}

/**
 * KL(N(μ₁,σ₁²) ‖ N(μ₂,σ₂²)) = log σ₂/σ₁ + (σ₁² + (μ₁−μ₂)²)/(2σ₂²) − ½,
 * elementwise.
 */
export function klNormal(p: Normal, q: Normal): Tensor {
  const varRatio = p.logScale.sub(q.logScale).mul(2).exp();
  const t = p.loc.sub(q.loc).mul(q.logScale.neg().exp()).square();
  return varRatio.add(t).sub(1).mul(0.5).sub(p.logScale.sub(q.logScale));
}

/** KL(N(μ, σ²) ‖ N(0, 1)) = ½(σ² + μ² − 1 − log σ²), elementwise: the VAE's analytic KL term. */
export function klStandardNormal(p: Normal): Tensor {
  const logVar = p.logScale.mul(2);
  return logVar.exp().add(p.loc.square()).sub(1).sub(logVar).mul(0.5);
}

/** A mixture of K scalar Gaussians per element: logits, loc, logScale all [..., K]. */
export class MixtureOfGaussians {
  constructor(
    readonly logits: Tensor,
    readonly loc: Tensor,
    readonly logScale: Tensor,
  ) {}

  /** log Σ_k π_k N(x; μ_k, σ_k²) for x [...]. */
  logProb(x: Tensor): Tensor {
    const comp = new Normal(this.loc, this.logScale).logProb(x.unsqueeze(-1));
    return comp.add(this.logits.logSoftmax(-1)).logSumExp(-1);
  }

  sample(generator?: Generator): Tensor {
    return noGrad(() => {
      const k = new Categorical(this.logits).sample(generator).toArray();
      const K = this.logits.shape[this.logits.ndim - 1]!;
      const mu = this.loc.toArray(),
        ls = this.logScale.toArray();
      const eps = randn([k.length], { generator }).toArray();
      return tensor(
        k.map((c, i) => mu[i * K + c]! + Math.exp(ls[i * K + c]!) * eps[i]!),
        this.logits.shape.slice(0, -1),
        { dtype: this.loc.dtype },
      );
    });
  }
}
