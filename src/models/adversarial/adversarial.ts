/**
 * What the image GANs share: a generator network from Gaussian noise to pixel values in [0, 1] (a sigmoid output, so
 * samples live where the data does), a discriminator (or critic) network to one score per image, and the two-phase
 * training step — `discriminatorSteps` updates of the discriminator's parameters on real and generated batches, then
 * one update of the generator's. The phases' parameter groups are disjoint, each with its own optimizer. No density:
 * these models sample. A class-conditional pair (one that declares the capability) takes the real batch's labels for
 * both its real and its generated images.
 */
import { noGrad } from "../../autograd/tape.js";
import { recomputeBatchNormStatistics } from "../../nn/batch-norm-statistics.js";
import type { Module } from "../../nn/module.js";
import { randn, tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import {
  GenerativeModel,
  isClassConditional,
  labelsFor,
  type Capability,
  type DataShape,
  type Sampler,
  type StepContext,
  type TruncatedSampler,
} from "../base.js";
import { MlpNet, type HiddenActivation } from "./mlp-net.js";
import { truncatedNormal } from "./truncation.js";
import { rejectionSample, type RejectionOptions, type RejectionStats } from "./rejection.js";
import type { Trainable, TrainingPhase } from "../base.js";

export abstract class AdversarialModel extends GenerativeModel implements Sampler, TruncatedSampler, Trainable {
  readonly capabilities: readonly Capability[] = ADVERSARIAL_CAPABILITIES;
  /** the generator's input: z ~ N(0, I) of this size */
  abstract readonly noiseDim: number;
  /** discriminator (critic) updates per generator update */
  abstract readonly discriminatorSteps: number;
  abstract readonly generatorNet: Module;
  abstract readonly discriminatorNet: Module;
  /** the discriminator's learning rate as a multiple of the recipe's (≠ 1: two time-scale updates) */
  get discriminatorLrFactor(): number {
    return 1;
  }

  /** G(z): images [n, dim] in [0, 1] (of the given classes, for a class-conditional generator) */
  abstract generate(z: Tensor, labels?: Int32Array | null): Tensor;
  /** one score per image [n]: D's logit, or the critic's value (given each image's class, where conditional) */
  abstract score(x: Tensor, labels?: Int32Array | null): Tensor;
  /**
   * the discriminator phase's loss for a real batch and a generated one (no gradient reaches G through `fake`);
   * `codes`: the latent codes `fake` was drawn with, where the model has them
   */
  protected abstract discriminatorLoss(real: Tensor, fake: Tensor, ctx: StepContext, codes: Int32Array | null): Tensor;
  /** the generator phase's loss from the scores of its generated batch */
  protected abstract generatorLoss(fakeScore: Tensor): Tensor;

  noise(n: number, g: Generator): Tensor {
    return randn([n, this.noiseDim], { generator: g });
  }

  /** the batch's labels where the model is class-conditional (an error if the data has none), else null */
  protected batchLabels(ctx: StepContext): Int32Array | null {
    return labelsFor(this, ctx.labels ?? null);
  }

  /** values of a categorical latent code c ~ U{0, …, k − 1} drawn beside z (InfoGAN; 0: none) */
  get latentCodes(): number {
    return 0;
  }

  /** n codes drawn uniformly where the model has them (after z, from the same stream), else null: no draw at all */
  drawCodes(n: number, g: Generator): Int32Array | null {
    return this.latentCodes > 0 ? g.integers(n, this.latentCodes) : null;
  }

  /**
   * The generator phase's loss for a generated batch: by default the generator objective on D's scores; a model
   * with latent codes adds its information term here.
   */
  protected generatorPhaseLoss(fake: Tensor, labels: Int32Array | null, _codes: Int32Array | null): Tensor {
    return this.generatorLoss(this.score(fake, labels));
  }

  trainingPhases(): TrainingPhase[] {
    const n = (x: Tensor): number => x.shape[0]!;
    return [
      {
        name: "discriminator",
        parameters: this.discriminatorNet.parameters(),
        repeat: this.discriminatorSteps,
        lrFactor: this.discriminatorLrFactor,
        loss: (x, ctx) => {
          const y = this.batchLabels(ctx),
            z = this.noise(n(x), ctx.generator),
            c = this.drawCodes(n(x), ctx.generator);
          // the generated batch is a constant here: building G's graph would only cost time
          return this.discriminatorLoss(
            x,
            noGrad(() => this.generate(z, y ?? c)),
            ctx,
            c,
          );
        },
      },
      {
        name: "generator",
        parameters: this.generatorNet.parameters(),
        loss: (x, ctx) => {
          const y = this.batchLabels(ctx),
            z = this.noise(n(x), ctx.generator),
            c = this.drawCodes(n(x), ctx.generator);
          return this.generatorPhaseLoss(this.generate(z, y ?? c), y, c);
        },
      },
    ];
  }

  /**
   * Recomputes the running estimates of G's batch norms for its current weights — after the Trainer swapped in their
   * moving average, whose activations the raw weights' estimates do not describe — as the average batch statistics
   * of `RECALIBRATION_PASSES` batches of `RECALIBRATION_BATCH` noise vectors (a conditional G: the classes in turn;
   * one with latent codes: the codes in turn).
   */
  recalibrate(generator: Generator): void {
    const n = RECALIBRATION_BATCH,
      k = isClassConditional(this) ? this.classes : this.latentCodes;
    const labels = k > 0 ? Int32Array.from({ length: n }, (_, i) => i % k) : null;
    recomputeBatchNormStatistics(this.generatorNet, RECALIBRATION_PASSES, () =>
      noGrad(() => this.generate(this.noise(n, generator), labels)),
    );
  }

  /**
   * n images from G; normalisation layers use their running statistics, so a sample does not depend on its batch. A
   * class-conditional generator draws the given labels, or the classes in turn (0, 1, …) when none are given; one
   * with latent codes takes the given `codes` or draws them uniformly, after z. With
   * `truncation` ψ, z is drawn from N(0, I) truncated to |z_i| ≤ ψ (truncation.ts).
   */
  sample(
    n: number,
    generator: Generator,
    opts: { labels?: Int32Array | null; codes?: Int32Array | null; truncation?: number } = {},
  ): Tensor {
    let labels = opts.labels ?? null;
    if (isClassConditional(this)) {
      const k = this.classes;
      labels ??= Int32Array.from({ length: n }, (_, i) => i % k);
    } else labels = null;
    const wasTraining = this.generatorNet.training;
    this.generatorNet.eval();
    try {
      const z =
        opts.truncation === undefined
          ? this.noise(n, generator)
          : truncatedNormal(n, this.noiseDim, opts.truncation, generator);
      const input = labels ?? opts.codes ?? this.drawCodes(n, generator);
      return noGrad(() => this.generate(z, input));
    } finally {
      this.generatorNet.train(wasTraining);
    }
  }

  /**
   * n images by discriminator rejection sampling (rejection.ts): candidates G(z) with z ~ N(0, I), each kept with the
   * probability D's logit gives it. Both networks use their running statistics, so a candidate's fate does not depend
   * on its batch. Only for a logistic discriminator of an unconditional pair (what declares the capability): its
   * logit estimates log p_data(x) − log p_g(x).
   */
  rejectionSample(n: number, generator: Generator, opts: RejectionOptions): { x: Tensor; stats: RejectionStats } {
    const nets = [this.generatorNet, this.discriminatorNet],
      wasTraining = nets.map((m) => m.training);
    nets.forEach((m) => m.eval());
    try {
      const draw = (k: number) =>
        noGrad(() => {
          const z = this.noise(k, generator);
          const x = this.generate(z, this.drawCodes(k, generator));
          return { values: Float32Array.from(x.toArray()), logits: this.score(x).toArray() };
        });
      const r = rejectionSample(n, draw, generator, opts);
      return { x: tensor(r.values, [n, r.values.length / n]), stats: r.stats };
    } finally {
      nets.forEach((m, i) => m.train(wasTraining[i]));
    }
  }
}

/** G's batch-norm estimates after `recalibrate`: 16 batches of 256 (4,096 draws), a few seconds of CPU. */
export const RECALIBRATION_PASSES = 16;
export const RECALIBRATION_BATCH = 256;

/** What every adversarial pair can do; a class-conditional one adds that capability. */
export const ADVERSARIAL_CAPABILITIES: readonly Capability[] = ["sampler", "truncation", "trainable"];

/** What the MLP pair of `gan` and `wgan-gp` is built from. */
export interface MlpPairOptions {
  noiseDim: number;
  generatorHidden: number[];
  generatorActivation: HiddenActivation;
  generatorBatchNorm: boolean;
  discriminatorSteps: number;
}

/**
 * A generator MLP z → pixel means (sigmoid) and a discriminator (or critic) MLP x → one score, LeakyReLU hidden
 * units; subclasses give the losses. The discriminator's checkpoint name is the subclass's (`discriminator`, `critic`).
 */
export abstract class MlpPairModel extends AdversarialModel {
  readonly generatorNet: MlpNet;
  readonly discriminatorNet: MlpNet;

  constructor(
    readonly pair: MlpPairOptions,
    data: DataShape,
    generator: Generator,
    discriminator: { name: string; hidden: number[] },
  ) {
    super();
    this.generatorNet = this.registerModule(
      "generator",
      new MlpNet(
        [pair.noiseDim, ...pair.generatorHidden, data.dim],
        pair.generatorActivation,
        generator,
        pair.generatorBatchNorm,
      ),
    );
    this.discriminatorNet = this.registerModule(
      discriminator.name,
      new MlpNet([data.dim, ...discriminator.hidden, 1], "leaky-relu", generator),
    );
  }

  get noiseDim(): number {
    return this.pair.noiseDim;
  }

  get discriminatorSteps(): number {
    return this.pair.discriminatorSteps;
  }

  generate(z: Tensor): Tensor {
    return this.generatorNet.forward(z).sigmoid();
  }

  score(x: Tensor): Tensor {
    return this.discriminatorNet.forward(x).reshape([x.shape[0]!]);
  }
}
