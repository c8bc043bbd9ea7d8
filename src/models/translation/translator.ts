/**
 * What the unpaired translation models share. A training example is one image of each domain side by side in its
 * channels (the `mnist-translation` dataset: channel 0 a grey digit, channels 1–3 a textured one); the models work
 * on 3-channel images in both domains, reading the grey one as three equal channels, so that both generators take and
 * return the same layout (the identity loss G(b) ≈ b needs that). The losses:
 *
 * - least-squares adversarial terms (LSGAN, as the CycleGAN paper trains): the discriminator minimises
 *   ½E[(D(y) − 1)²] + ½E[D(G(x))²], the generator E[(D(G(x)) − 1)²], over every patch score;
 * - the cycle loss E|F(G(a)) − a| + E|G(F(b)) − b| (mean absolute error per value), zero exactly when F inverts G
 *   on the batch and G inverts F.
 */
import { noGrad } from "../../autograd/tape.js";
import { fmt } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import * as z from "zod";
import {
  GenerativeModel,
  type Capability,
  type DataShape,
  type Trainable,
  type TrainingPhase,
  type TranslationDirection,
  type Translator,
} from "../base.js";

export const DOMAIN_CHANNELS = 3;

/** An option that may be 0 or any positive weight (the `field` helpers have integers only for that). */
export function nonNegativeNumber(def: number, description: string) {
  const rule = `must be a number ≥ 0, e.g. ${def}`;
  return z.number({ error: rule }).min(0, { error: rule }).finite({ error: rule }).default(def).describe(description);
}

export type ImageMap = (x: Tensor) => Tensor;

/** mean |x − y| over every value */
export function l1(x: Tensor, y: Tensor): Tensor {
  return x.sub(y).abs().mean();
}

/** The cycle-consistency loss of a pair of maps: mean |F(G(a)) − a| + mean |G(F(b)) − b|. */
export function cycleLoss(a: Tensor, b: Tensor, G: ImageMap, F: ImageMap): Tensor {
  return l1(F(G(a)), a).add(l1(G(F(b)), b));
}

/**
 * LSGAN discriminator loss on the scores of real and translated images: ½ mean (s_real − 1)² + ½ mean s_fake².
 */
export function lsDiscriminatorLoss(real: Tensor, fake: Tensor): Tensor {
  return real.sub(1).square().mean().add(fake.square().mean()).mul(0.5);
}

/** LSGAN generator loss on the scores of its translated images: mean (s − 1)². */
export function lsGeneratorLoss(fake: Tensor): Tensor {
  return fake.sub(1).square().mean();
}

/**
 * Splits a batch of examples [n, 4·H·W] into domain A (the grey channel, repeated three times) and domain B (the
 * three colour channels), each [n, 3, H, W].
 */
export function splitDomains(x: Tensor, data: DataShape): { a: Tensor; b: Tensor } {
  const [c, h, w] = data.shape;
  const n = x.shape[0]!;
  if (c !== 1 + DOMAIN_CHANNELS || x.size !== n * c * h * w)
    throw new TypeError(
      `translation models train on examples of 4 channels (a grey image and a colour one, e.g. the ` +
        `mnist-translation dataset), not ${fmt(x.shape)} with layout ${fmt(data.shape)}`,
    );
  const img = x.reshape([n, c, h, w]);
  const a = img.slice(1, 0, 1).expand([n, DOMAIN_CHANNELS, h, w]).contiguous();
  return { a, b: img.slice(1, 1, c).contiguous() };
}

export abstract class TranslationModel extends GenerativeModel implements Translator, Trainable {
  readonly capabilities: readonly Capability[] = ["translator", "trainable"];
  readonly domainShape: [number, number, number];

  constructor(readonly data: DataShape) {
    super();
    this.domainShape = [DOMAIN_CHANNELS, data.shape[1], data.shape[2]];
  }

  /** The translation of images [n, 3, H, W] (values in [0, 1]) in the given direction, with gradients. */
  abstract map(x: Tensor, direction: TranslationDirection): Tensor;

  abstract trainingPhases(): TrainingPhase[];

  translate(x: Tensor, direction: TranslationDirection): Tensor {
    const [c, h, w] = this.domainShape;
    const n = x.shape[0]!;
    if (x.size !== n * c * h * w)
      throw new TypeError(`translate: images ${fmt(x.shape)} must hold ${c}×${h}×${w} values each`);
    const wasTraining = this.training;
    this.eval();
    try {
      return noGrad(() => this.map(x.reshape([n, c, h, w]), direction)).reshape([n, c * h * w]);
    } finally {
      this.train(wasTraining);
    }
  }
}
