/**
 * DCGAN [1] for 28×28 images, in the project's benchmark configuration: G: z → Linear(128·7·7) + BatchNorm + ReLU
 * → [128, 7, 7] → ConvTranspose(4, stride 2, pad 1) 64 + BatchNorm + ReLU → ConvTranspose(4, 2, 1) to the image
 * channels, sigmoid; D: Conv(4, 2, 1) 64 + LeakyReLU(0.2) → Conv(4, 2, 1) 128 + BatchNorm + LeakyReLU → Linear 1.
 * Trained with the GAN losses of gan.ts (k discriminator steps, non-saturating or minimax generator loss). Weights
 * start from the paper's N(0, 0.02²) (normal-init.ts) unless `init` is "uniform". Each ReLU and LeakyReLU runs inside
 * the kernel pass of the layer before it (batch norm's, or the first discriminator convolution's), forward and back.
 * [1]: Radford, Metz & Chintala 2016, https://arxiv.org/abs/1511.06434
 */
import { BatchNorm1d, BatchNorm2d } from "../../nn/layers.js";
import { Conv2d, ConvTranspose2d } from "../../nn/conv.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { DataShape, StepContext } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import { registerModel } from "../registry.js";
import { AdversarialModel } from "./adversarial.js";
import { discriminatorLoss, generatorLoss } from "./losses.js";
import { LEAKY_SLOPE } from "./mlp-net.js";
import { normalInit } from "./normal-init.js";
import * as z from "zod";

export const options = z.object({
  noiseDim: field.positiveInt(100, "size of the generator's Gaussian input z"),
  width: field.positiveInt(64, "channels of the first discriminator and last hidden generator layer (doubled once)"),
  generatorLoss: field.oneOf(
    ["non-saturating", "minimax"],
    "non-saturating",
    "generator objective: −log D(G(z)) (non-saturating) or log(1 − D(G(z))) (minimax)",
  ),
  discriminatorSteps: field.positiveInt(1, "discriminator updates per generator update (k)"),
  init: field.oneOf(
    ["normal", "uniform"],
    "normal",
    "weights from N(0, 0.02²), BatchNorm gains from N(1, 0.02²), zero biases (normal, the paper's) or the " +
      "layers' own U(±1/√fan_in) (uniform)",
  ),
});
export type DCGANConfig = OptionsOf<typeof options>;

const k4s2p1 = { stride: 2, padding: 1 };
const relu = { activation: "relu" } as const,
  leaky = { activation: "leaky-relu", slope: LEAKY_SLOPE } as const;

/**
 * The grid after the two stride-2 stages: ⌈H/4⌉ × ⌈W/4⌉ (7 × 7 for 28 × 28). Other sizes work at the next
 * multiple of 4: the discriminator pads images with zeros at the bottom and right, the generator crops its output.
 */
function quarterSize(data: DataShape): [number, number] {
  return [Math.ceil(data.shape[1] / 4), Math.ceil(data.shape[2] / 4)];
}

export class DCGANGenerator extends Module {
  readonly fc: Linear;
  readonly bn0: BatchNorm1d;
  readonly up1: ConvTranspose2d;
  readonly bn1: BatchNorm2d;
  readonly up2: ConvTranspose2d;

  constructor(
    noiseDim: number,
    readonly width: number,
    readonly data: DataShape,
    g: Generator,
  ) {
    super();
    const [h, w] = quarterSize(data);
    this.fc = this.registerModule("fc", new Linear(noiseDim, 2 * width * h * w, { generator: g }));
    this.bn0 = this.registerModule("bn0", new BatchNorm1d(2 * width * h * w, relu));
    this.up1 = this.registerModule("up1", new ConvTranspose2d(2 * width, width, 4, { ...k4s2p1, generator: g }));
    this.bn1 = this.registerModule("bn1", new BatchNorm2d(width, relu));
    this.up2 = this.registerModule("up2", new ConvTranspose2d(width, data.shape[0], 4, { ...k4s2p1, generator: g }));
  }

  /** pixel logits [n, dim] */
  forward(z: Tensor): Tensor {
    const [h, w] = quarterSize(this.data);
    const n = z.shape[0]!;
    // bn0 and bn1 end in their ReLUs
    const x = this.bn0.forward(this.fc.forward(z)).reshape([n, 2 * this.width, h, w]);
    const y = this.up2.forward(this.bn1.forward(this.up1.forward(x)));
    const [, H, W] = this.data.shape;
    const cropped = y.shape[2] === H && y.shape[3] === W ? y : y.slice(2, 0, H).slice(3, 0, W);
    return cropped.reshape([n, this.data.dim]);
  }
}

export class DCGANDiscriminator extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly fc: Linear;

  constructor(
    readonly width: number,
    readonly data: DataShape,
    g: Generator,
  ) {
    super();
    const [h, w] = quarterSize(data);
    this.conv1 = this.registerModule(
      "conv1",
      new Conv2d(data.shape[0], width, 4, { ...k4s2p1, ...leaky, generator: g }),
    );
    this.conv2 = this.registerModule("conv2", new Conv2d(width, 2 * width, 4, { ...k4s2p1, generator: g }));
    this.bn2 = this.registerModule("bn2", new BatchNorm2d(2 * width, leaky));
    this.fc = this.registerModule("fc", new Linear(2 * width * h * w, 1, { generator: g }));
  }

  /** logits [n] for images [n, dim] */
  forward(x: Tensor): Tensor {
    const n = x.shape[0]!;
    const [, H, W] = this.data.shape,
      [h, w] = quarterSize(this.data);
    let img = x.reshape([n, ...this.data.shape]);
    if (4 * h !== H || 4 * w !== W)
      img = img.pad([
        [0, 0],
        [0, 0],
        [0, 4 * h - H],
        [0, 4 * w - W],
      ]);
    // conv1 and bn2 end in their LeakyReLUs
    const h2 = this.bn2.forward(this.conv2.forward(this.conv1.forward(img)));
    return this.fc.forward(h2.reshape([n, h2.size / n])).reshape([n]);
  }
}

export class DCGAN extends AdversarialModel {
  readonly modelName: string = "dcgan";
  readonly generatorNet: DCGANGenerator;
  readonly discriminatorNet: DCGANDiscriminator;

  constructor(
    readonly config: DCGANConfig,
    data: DataShape,
    generator: Generator,
  ) {
    super();
    this.generatorNet = this.registerModule(
      "generator",
      new DCGANGenerator(config.noiseDim, config.width, data, generator),
    );
    this.discriminatorNet = this.registerModule("discriminator", new DCGANDiscriminator(config.width, data, generator));
    if (config.init === "normal") {
      const { fc, bn0, up1, bn1, up2 } = this.generatorNet,
        d = this.discriminatorNet;
      normalInit([fc, bn0, up1, bn1, up2, d.conv1, d.conv2, d.bn2, d.fc], generator);
    }
  }

  get noiseDim(): number {
    return this.config.noiseDim;
  }

  get discriminatorSteps(): number {
    return this.config.discriminatorSteps;
  }

  generate(z: Tensor): Tensor {
    return this.generatorNet.forward(z).sigmoid();
  }

  score(x: Tensor): Tensor {
    return this.discriminatorNet.forward(x);
  }

  protected discriminatorLoss(real: Tensor, fake: Tensor, _ctx: StepContext): Tensor {
    return discriminatorLoss(this.score(real), this.score(fake));
  }

  protected generatorLoss(fakeScore: Tensor): Tensor {
    return generatorLoss(fakeScore, this.config.generatorLoss);
  }
}

registerModel({
  name: "dcgan",
  description: "DCGAN (Radford et al. 2016): ConvTranspose generator with BatchNorm, conv LeakyReLU discriminator",
  family: "adversarial",
  options,
  recipe: {
    dataset: "mnist",
    epochs: 10,
    batchSize: 64,
    lr: 2e-4,
    betas: [0.5, 0.999],
    reference:
      "Radford et al. 2016: N(0, 0.02²) weights, Adam at lr 2e-4 with β1 = 0.5, batch 64. After these 10 epochs " +
      "(seed 0): FID 94.4, classifier score 7.20, precision 0.51, recall 0.78, all ten digits on 10k samples " +
      "against the 8-bit test images (README, sample quality; the paper reports no MNIST FID); after 3 epochs " +
      "144.7, and with PyTorch's default uniform initialisation 242.4",
  },
  create: (config, data, generator) => new DCGAN(config, data, generator),
});
