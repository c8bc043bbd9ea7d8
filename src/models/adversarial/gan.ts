/**
 * GAN [1]: a generator MLP from z ~ N(0, I) to pixel values (sigmoid output) and a discriminator MLP to the logit of
 * "real". The discriminator minimises −E_data[log D(x)] − E_g[log(1 − D(x))], `discriminatorSteps` (k in [1]'s
 * Algorithm 1) times per generator update; the generator minimises E[log(1 − D(G(z)))] ("minimax") or
 * −E[log D(G(z))] ("non-saturating", [1] §3). The paper's maxout/dropout discriminator is replaced by LeakyReLU.
 * [1]: Goodfellow et al. 2014, https://arxiv.org/abs/1406.2661
 */
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Capability, DataShape, StepContext } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import { registerModel } from "../registry.js";
import { ADVERSARIAL_CAPABILITIES, MlpPairModel } from "./adversarial.js";
import { discriminatorLoss, generatorLoss } from "./losses.js";
import * as z from "zod";

export const options = z.object({
  noiseDim: field.positiveInt(100, "size of the generator's Gaussian input z"),
  generatorHidden: field.positiveInts([256, 512], "hidden layer sizes of the generator (ReLU)"),
  discriminatorHidden: field.positiveInts([512, 256], "hidden layer sizes of the discriminator (LeakyReLU 0.2)"),
  generatorLoss: field.oneOf(
    ["non-saturating", "minimax"],
    "non-saturating",
    "generator objective: −log D(G(z)) (non-saturating) or log(1 − D(G(z))) (minimax)",
  ),
  discriminatorSteps: field.positiveInt(1, "discriminator updates per generator update (k)"),
  generatorActivation: field.oneOf(["relu", "leaky-relu"], "leaky-relu", "hidden activation of the generator"),
  generatorBatchNorm: field.boolean(true, "batch normalisation before each hidden activation of the generator"),
});
export type GANConfig = OptionsOf<typeof options>;

export class GAN extends MlpPairModel {
  readonly modelName: string = "gan";
  /** a logistic discriminator: its logit estimates log p_data − log p_g, what rejection sampling needs */
  override readonly capabilities: readonly Capability[] = [...ADVERSARIAL_CAPABILITIES, "rejection"];

  constructor(
    readonly config: GANConfig,
    data: DataShape,
    generator: Generator,
  ) {
    super(config, data, generator, { name: "discriminator", hidden: config.discriminatorHidden });
  }

  protected discriminatorLoss(real: Tensor, fake: Tensor, _ctx: StepContext): Tensor {
    return discriminatorLoss(this.score(real), this.score(fake));
  }

  protected generatorLoss(fakeScore: Tensor): Tensor {
    return generatorLoss(fakeScore, this.config.generatorLoss);
  }
}

registerModel({
  name: "gan",
  description:
    "GAN (Goodfellow et al. 2014): MLP generator 100-256-512-784 (BatchNorm, LeakyReLU), LeakyReLU MLP discriminator",
  family: "adversarial",
  options,
  recipe: {
    dataset: "mnist",
    epochs: 30,
    batchSize: 64,
    lr: 2e-4,
    betas: [0.5, 0.999],
    reference:
      "Goodfellow et al. 2014, Algorithm 1 with Adam (lr 2e-4, β1 = 0.5 as in DCGAN; the paper used SGD with " +
      "momentum); no likelihood is reported. After these 30 epochs (seed 0, 10k samples against the 8-bit test " +
      "images): FID 214.4, classifier score 5.64, precision 0.72, recall 0.61, all ten digits, Parzen 109.8 ± 1.6 " +
      "nats (the paper's GAN: 225 ± 2); after 10 epochs FID 295.0 with 7 digits, after 3 epochs 318.7",
  },
  create: (config, data, generator) => new GAN(config, data, generator),
});
