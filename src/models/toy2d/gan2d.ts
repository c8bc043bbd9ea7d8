/**
 * A GAN [1] for two-dimensional points: a generator MLP from 2-D Gaussian noise, a discriminator MLP to a logit. One
 * training step is two phases with their own optimizers: the discriminator's logistic loss on real and generated
 * points, then the generator's non-saturating loss −log D(G(z)). No density; it samples. [1]: Goodfellow et al. 2014.
 */
import { noGrad } from "../../autograd/tape.js";
import { MLP } from "../../nn/mlp.js";
import { randn } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { GenerativeModel, type Capability, type StepContext, type Trainable, type TrainingPhase } from "../base.js";

export interface GAN2DOptions {
  hidden: number;
  /** discriminator updates per generator update */
  discriminatorSteps: number;
}

export class GAN2D extends GenerativeModel implements Trainable {
  readonly modelName = "toy-gan";
  readonly capabilities: readonly Capability[] = ["sampler", "trainable"];
  readonly generatorNet: MLP;
  readonly discriminator: MLP;

  constructor(
    readonly config: GAN2DOptions,
    generator: Generator,
  ) {
    super();
    const H = config.hidden;
    this.generatorNet = this.registerModule("generator", new MLP([2, H, H, 2], "relu", generator));
    this.discriminator = this.registerModule("discriminator", new MLP([2, H, H, 1], "relu", generator));
  }

  #fake(n: number, g: Generator): Tensor {
    return this.generatorNet.forward(randn([n, 2], { generator: g }));
  }

  /** D's logit for points x [n, 2] */
  logit(x: Tensor): Tensor {
    return this.discriminator.forward(x).reshape([x.shape[0]!]);
  }

  /** D(x): the discriminator's probability that each point is real */
  discriminate(x: Tensor): Float32Array {
    return Float32Array.from(noGrad(() => this.logit(x).sigmoid()).toArray());
  }

  trainingPhases(): TrainingPhase[] {
    const n = (x: Tensor): number => x.shape[0]!;
    return [
      {
        name: "discriminator",
        parameters: this.discriminator.parameters(),
        repeat: this.config.discriminatorSteps,
        // −log D(x) − log(1 − D(G(z))), with log(1 − σ(l)) = −softplus(l)
        loss: (x: Tensor, ctx: StepContext) =>
          this.logit(x)
            .neg()
            .softplus()
            .mean()
            .add(
              this.logit(this.#fake(n(x), ctx.generator).detach())
                .softplus()
                .mean(),
            ),
      },
      {
        name: "generator",
        parameters: this.generatorNet.parameters(),
        // −log D(G(z)): the non-saturating generator loss
        loss: (x: Tensor, ctx: StepContext) =>
          this.logit(this.#fake(n(x), ctx.generator))
            .neg()
            .softplus()
            .mean(),
      },
    ];
  }

  sample(n: number, generator: Generator): Tensor {
    return noGrad(() => this.#fake(n, generator));
  }
}
