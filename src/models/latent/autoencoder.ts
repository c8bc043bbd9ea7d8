/**
 * A deterministic autoencoder: code = f(x), reconstruction = g(code), trained on the Bernoulli (cross-entropy) or
 * Gaussian (squared error) reconstruction loss. Not a density model: its "likelihood" is the reconstruction
 * log-probability, reported under the estimator name "reconstruction" so it is never mistaken for log p(x).
 */
import { noGrad } from "../../autograd/tape.js";
import { MLP } from "../../nn/mlp.js";
import { bceWithLogits } from "../../ops/loss.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { GenerativeModel, type DataShape, type LikelihoodResult } from "../base.js";
import { registerModel } from "../registry.js";

export interface AutoencoderConfig {
  hidden: number[];
  code: number;
  activation: "tanh" | "relu";
  /** reconstruction loss: Bernoulli cross-entropy or Gaussian (unit variance) squared error */
  reconstruction: "bernoulli" | "gaussian";
}

export const defaultConfig: AutoencoderConfig = {
  hidden: [200, 200],
  code: 50,
  activation: "tanh",
  reconstruction: "bernoulli",
};

export class Autoencoder extends GenerativeModel {
  readonly modelName = "autoencoder";
  readonly encoder: MLP;
  readonly decoder: MLP;

  constructor(
    readonly config: AutoencoderConfig,
    data: DataShape,
    generator: Generator,
  ) {
    super();
    const enc = [data.dim, ...config.hidden, config.code],
      dec = [config.code, ...[...config.hidden].reverse(), data.dim];
    this.encoder = new MLP(enc, config.activation, generator);
    this.decoder = new MLP(dec, config.activation, generator);
    // checkpoint names stay enc0…, dec0… (layer by layer)
    this.encoder.layers.forEach((l, i) => this.registerModule(`enc${i}`, l));
    this.decoder.layers.forEach((l, i) => this.registerModule(`dec${i}`, l));
  }

  embed(x: Tensor): Tensor {
    return this.encoder.forward(x);
  }
  /** decoder output: logits (Bernoulli) or means (Gaussian) */
  decode(code: Tensor): Tensor {
    return this.decoder.forward(code);
  }

  /** −log p(x | decode(encode(x))) per image. */
  private reconstructionNll(x: Tensor): Tensor {
    const out = this.decode(this.embed(x));
    return this.config.reconstruction === "bernoulli"
      ? bceWithLogits(out, x, { reduction: "none" }).sum(1)
      : out
          .sub(x)
          .square()
          .sum(1)
          .mul(0.5)
          .add(0.5 * Math.log(2 * Math.PI) * x.shape[1]!);
  }

  loss(x: Tensor): Tensor {
    return this.reconstructionNll(x).mean();
  }

  logLikelihood(x: Tensor): LikelihoodResult {
    return {
      logp: Float64Array.from(noGrad(() => this.reconstructionNll(x)).toArray(), (v) => -v),
      estimator: "reconstruction",
    };
  }

  reconstruct(x: Tensor): Tensor {
    return noGrad(() => {
      const o = this.decode(this.embed(x));
      return this.config.reconstruction === "bernoulli" ? o.sigmoid() : o.clamp(0, 1);
    });
  }

  /** An autoencoder has no prior over codes; samples decode codes drawn from the codes' per-dimension Gaussian fit would be a different model, so this refuses. */
  sample(): Tensor {
    throw new Error(
      "an autoencoder has no prior over codes to sample from; use deepgen reconstruct / interpolate, or a VAE",
    );
  }
}

registerModel<AutoencoderConfig>({
  name: "autoencoder",
  description:
    "deterministic autoencoder (784-200-200-50 tanh): reconstructions, codes for embed/probe; not a density model",
  family: "latent",
  defaultConfig,
  recipe: { dataset: "binarized-mnist", epochs: 50, batchSize: 100, lr: 1e-3, patience: 10 },
  create: (config, data, generator) => new Autoencoder(config, data, generator),
});
