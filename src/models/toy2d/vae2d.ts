/**
 * A VAE [1] for two-dimensional points: a 2-D Gaussian latent, an MLP encoder to q(z | x) and an MLP decoder to a
 * Gaussian p(x | z) with its own scale per point. Trained on the ELBO; log p(x) is estimated by importance sampling
 * with k samples from q (the IWAE bound [2], tighter as k grows). [1]: Kingma & Welling 2014. [2]: Burda et al. 2016.
 */
import { noGrad } from "../../autograd/tape.js";
import { klStandardNormal, Normal } from "../../distributions/normal.js";
import { MLP } from "../../nn/mlp.js";
import { concat } from "../../ops/movement.js";
import { randn, zeros } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { LikelihoodModel, type Capability, type LatentModel, type LikelihoodResult } from "../base.js";

export interface VAE2DOptions {
  hidden: number;
  /** importance samples of the log p(x) estimate */
  evalSamples: number;
}

const STANDARD = new Normal(zeros([1, 2]), zeros([1, 2]));

export class VAE2D extends LikelihoodModel implements LatentModel {
  readonly modelName = "toy-vae";
  readonly capabilities: readonly Capability[] = ["bounded-density", "sampler", "latent", "trainable"];
  readonly latentDim = 2;
  readonly encoder: MLP;
  readonly decoder: MLP;

  constructor(
    readonly config: VAE2DOptions,
    generator: Generator,
  ) {
    super();
    const H = config.hidden;
    this.encoder = this.registerModule("encoder", new MLP([2, H, H, 4], "tanh", generator));
    this.decoder = this.registerModule("decoder", new MLP([2, H, H, 4], "tanh", generator));
  }

  #q(x: Tensor): Normal {
    const h = this.encoder.forward(x);
    return Normal.fromLogVar(h.narrow(1, 0, 2), h.narrow(1, 2, 2).clamp(-10, 4));
  }

  /** p(x | z): the decoder's means and (bounded) log scales */
  #p(z: Tensor): Normal {
    const h = this.decoder.forward(z);
    return new Normal(h.narrow(1, 0, 2), h.narrow(1, 2, 2).clamp(-4, 2));
  }

  /** ELBO per point: E_q[log p(x | z)] − KL(q(z | x) ‖ N(0, I)), one sample */
  elbo(x: Tensor, generator: Generator): Tensor {
    const q = this.#q(x);
    const z = q.rsample(generator);
    return this.#p(z).logProb(x).sum(1).sub(klStandardNormal(q).sum(1));
  }

  loss(x: Tensor, generator: Generator): Tensor {
    return this.elbo(x, generator).mean().neg();
  }

  /** log p(x) ≥ log (1/k) Σ p(x, z_i) / q(z_i | x), z_i ~ q(z | x) */
  logLikelihood(x: Tensor, generator: Generator): LikelihoodResult {
    const k = this.config.evalSamples,
      B = x.shape[0]!;
    const w = noGrad(() => {
      const q = this.#q(x);
      const terms: Tensor[] = [];
      for (let i = 0; i < k; i++) {
        const z = q.sample(generator);
        const prior = STANDARD.logProb(z).sum(1);
        terms.push(this.#p(z).logProb(x).sum(1).add(prior).sub(q.logProb(z).sum(1)).reshape([B, 1]));
      }
      return concat(terms, 1);
    });
    return { logp: Float64Array.from(w.logSumExp(1).sub(Math.log(k)).toArray()), estimator: `iwae-${k}` };
  }

  embed(x: Tensor): Tensor {
    return noGrad(() => this.#q(x).loc);
  }

  decodeMean(z: Tensor): Tensor {
    return noGrad(() => this.#p(z).loc);
  }

  /** n points [n, 2]: z ~ N(0, I), x ~ p(x | z) */
  sample(n: number, generator: Generator): Tensor {
    return noGrad(() => this.#p(randn([n, 2], { generator })).sample(generator));
  }
}
