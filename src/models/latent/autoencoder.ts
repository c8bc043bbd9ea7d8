/**
 * A deterministic autoencoder: code = f(x), reconstruction = g(code), trained on the Bernoulli (cross-entropy) or
 * Gaussian (squared error) reconstruction loss. Not a density model: its "likelihood" is the reconstruction
 * log-probability, reported under the estimator name "reconstruction" so it is never mistaken for log p(x). It has no
 * prior over codes, so it declares no sampler.
 */
import { noGrad } from "../../autograd/tape.js";
import { MLP } from "../../nn/mlp.js";
import { bceWithLogits } from "../../ops/loss.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { LikelihoodModel, type Capability, type DataShape, type LikelihoodResult } from "../base.js";
import type { LatentModel, Scorer } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import { registerModel } from "../registry.js";
import * as z from "zod";

export const options = z.object({
  hidden: field.positiveInts([200, 200], "hidden layer sizes of the encoder (the decoder mirrors them)"),
  code: field.positiveInt(50, "code dimensions"),
  activation: field.oneOf(["tanh", "relu"], "tanh", "hidden activation"),
  reconstruction: field.oneOf(
    ["bernoulli", "gaussian"],
    "bernoulli",
    "reconstruction loss: Bernoulli cross-entropy or Gaussian (unit variance) squared error",
  ),
});
export type AutoencoderConfig = OptionsOf<typeof options>;

export class Autoencoder extends LikelihoodModel implements Scorer, LatentModel {
  readonly modelName = "autoencoder";
  readonly capabilities: readonly Capability[] = ["reconstruction-score", "latent", "trainable"];
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

  get latentDim(): number {
    return this.config.code;
  }

  embed(x: Tensor): Tensor {
    return this.encoder.forward(x);
  }

  /** decoder output: logits (Bernoulli) or means (Gaussian) */
  decode(code: Tensor): Tensor {
    return this.decoder.forward(code);
  }

  /** Pixel means for codes: σ(decoder) (Bernoulli) or the decoder's output clipped to [0, 1] (Gaussian). */
  decodeMean(code: Tensor): Tensor {
    return noGrad(() => {
      const o = this.decode(code);
      return this.config.reconstruction === "bernoulli" ? o.sigmoid() : o.clamp(0, 1);
    });
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
    return noGrad(() => this.decodeMean(this.embed(x)));
  }
}

registerModel({
  name: "autoencoder",
  description:
    "deterministic autoencoder (784-200-200-50 tanh): reconstructions, codes for embed/probe; not a density model",
  family: "latent",
  options,
  recipe: { dataset: "binarized-mnist", epochs: 50, batchSize: 100, lr: 1e-3, patience: 10 },
  create: (config, data, generator) => new Autoencoder(config, data, generator),
});
