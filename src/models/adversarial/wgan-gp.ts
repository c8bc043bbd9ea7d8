/**
 * WGAN-GP [1]: a critic f without sigmoid trained on E_g[f(x̃)] − E_data[f(x)] + λ·E[(‖∇_x̂ f(x̂)‖₂ −
 * 1)²], with x̂ on random segments between real and generated images (x̂ = εx + (1 − ε)x̃, ε ~ U[0, 1] per
 * pair), `discriminatorSteps` (n_critic = 5 in [1]) critic updates per generator update; the generator minimises
 * −E_g[f]. No batch normalisation in the critic, as [1] §4 requires (the penalty is per sample); the generator may
 * have it.
 *
 * The critic is a LeakyReLU MLP and ∇_x̂ f is written out by the chain rule (mlp-net.ts): the engine does not
 * differentiate through its own backward pass, and for this critic the composed gradient is exact.
 * [1]: Gulrajani et al. 2017, https://arxiv.org/abs/1704.00028
 */
import { rand } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { DataShape, StepContext } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import { registerModel } from "../registry.js";
import { MlpPairModel } from "./adversarial.js";
import { criticLoss } from "./losses.js";
import { leakyMlpInputGradient, type AffineWeights } from "./mlp-net.js";
import * as z from "zod";

export const options = z.object({
  noiseDim: field.positiveInt(100, "size of the generator's Gaussian input z"),
  generatorHidden: field.positiveInts([256, 512], "hidden layer sizes of the generator (ReLU)"),
  criticHidden: field.positiveInts([512, 256], "hidden layer sizes of the critic (LeakyReLU 0.2)"),
  penalty: field.positiveNumber(10, "gradient penalty weight λ"),
  discriminatorSteps: field.positiveInt(5, "critic updates per generator update (n_critic)"),
  generatorActivation: field.oneOf(["relu", "leaky-relu"], "leaky-relu", "hidden activation of the generator"),
  generatorBatchNorm: field.boolean(true, "batch normalisation before each hidden activation of the generator"),
});
export type WGANGPConfig = OptionsOf<typeof options>;

/** λ·mean((‖∇_x f(x)‖₂ − 1)²) over the rows of x, for a LeakyReLU MLP critic given by its layers. */
export function gradientPenalty(x: Tensor, critic: readonly AffineWeights[], lambda: number): Tensor {
  const g = leakyMlpInputGradient(x, critic);
  // the tiny constant keeps d‖g‖/dg finite where a row's gradient vanishes
  const norm = g.square().sum(1).add(1e-12).sqrt();
  return norm.sub(1).square().mean().mul(lambda);
}

/** x̂ = εx + (1 − ε)x̃, one ε ~ U[0, 1] per row. */
export function interpolates(real: Tensor, fake: Tensor, g: Generator): Tensor {
  const eps = rand([real.shape[0]!, 1], { generator: g, dtype: real.dtype });
  return real.mul(eps).add(fake.mul(eps.neg().add(1)));
}

export class WGANGP extends MlpPairModel {
  readonly modelName: string = "wgan-gp";

  constructor(
    readonly config: WGANGPConfig,
    data: DataShape,
    generator: Generator,
  ) {
    super(config, data, generator, { name: "critic", hidden: config.criticHidden });
  }

  protected discriminatorLoss(real: Tensor, fake: Tensor, ctx: StepContext): Tensor {
    const xHat = interpolates(real, fake, ctx.generator);
    return criticLoss(this.score(real), this.score(fake)).add(
      gradientPenalty(xHat, this.discriminatorNet.layers, this.config.penalty),
    );
  }

  protected generatorLoss(fakeScore: Tensor): Tensor {
    return fakeScore.mean().neg();
  }
}

registerModel({
  name: "wgan-gp",
  description: "WGAN-GP (Gulrajani et al. 2017): MLP generator, LeakyReLU MLP critic with the gradient penalty",
  family: "adversarial",
  options,
  recipe: {
    dataset: "mnist",
    epochs: 30,
    batchSize: 64,
    lr: 1e-4,
    betas: [0, 0.9],
    reference: "Gulrajani et al. 2017, Algorithm 1: λ = 10, n_critic = 5, Adam at lr 1e-4 with β = (0, 0.9)",
  },
  create: (config, data, generator) => new WGANGP(config, data, generator),
});
