/**
 * A two-dimensional autoregressive density p(x1) p(x2 | x1), each factor a mixture of K Gaussians: p(x1)'s weights,
 * means and scales are parameters, p(x2 | x1)'s come from a small MLP of x1 (a mixture density network [1]). Exact
 * log-likelihood, ancestral sampling. [1]: Bishop 1994, Mixture Density Networks.
 */
import { noGrad } from "../../autograd/tape.js";
import { MixtureOfGaussians } from "../../distributions/normal.js";
import { MLP } from "../../nn/mlp.js";
import { concat } from "../../ops/movement.js";
import { tensor, zeros } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { LikelihoodModel, type Capability, type LikelihoodResult } from "../base.js";

export interface MixtureAR2DOptions {
  components: number;
  hidden: number;
}

/** log σ is kept in [-5, 2]: a component collapsing onto one point would make the likelihood unbounded */
const mixture = (p: Tensor, K: number): MixtureOfGaussians =>
  new MixtureOfGaussians(p.narrow(-1, 0, K), p.narrow(-1, K, K), p.narrow(-1, 2 * K, K).clamp(-5, 2));

export class MixtureAR2D extends LikelihoodModel {
  readonly modelName = "toy-ar";
  readonly capabilities: readonly Capability[] = ["exact-density", "sampler", "trainable"];
  readonly first: Tensor;
  readonly conditional: MLP;

  constructor(
    readonly config: MixtureAR2DOptions,
    generator: Generator,
  ) {
    super();
    const K = config.components;
    // equal weights, means spread over [-3, 3] so every component starts near some data, unit scales
    const init = new Float32Array(3 * K);
    generator.uniform01(K).forEach((u, k) => (init[K + k] = 6 * u - 3));
    this.first = this.registerParameter("first", tensor(init, [3 * K]));
    const sizes = [1, config.hidden, config.hidden, 3 * K];
    this.conditional = this.registerModule("conditional", new MLP(sizes, "tanh", generator));
  }

  /** log p(x1) + log p(x2 | x1) per point of x [B, 2] */
  logProb(x: Tensor): Tensor {
    const B = x.shape[0]!,
      K = this.config.components;
    const x1 = x.narrow(1, 0, 1),
      x2 = x.narrow(1, 1, 1).reshape([B]);
    const first = mixture(this.first.reshape([1, 3 * K]), K)
      .logProb(x1.reshape([B, 1]))
      .reshape([B]);
    return first.add(mixture(this.conditional.forward(x1), K).logProb(x2));
  }

  loss(x: Tensor): Tensor {
    return this.logProb(x).mean().neg();
  }

  logLikelihood(x: Tensor): LikelihoodResult {
    return { logp: Float64Array.from(noGrad(() => this.logProb(x)).toArray()), estimator: "exact" };
  }

  /** n points [n, 2]: x1 from the first factor, then x2 given it */
  sample(n: number, generator: Generator): Tensor {
    return noGrad(() => {
      const K = this.config.components;
      const x1 = mixture(this.first.reshape([1, 3 * K]).add(zeros([n, 3 * K])), K)
        .sample(generator)
        .reshape([n, 1]);
      const x2 = mixture(this.conditional.forward(x1), K).sample(generator).reshape([n, 1]);
      return concat([x1, x2], 1);
    });
  }
}
