/**
 * PixelCNN [1]: a 7×7 mask-A convolution (a pixel never sees itself), residual blocks of mask-B convolutions
 * (ReLU → 1×1 to h → ReLU → 3×3 → ReLU → 1×1 back to 2h, added to the input, as in the paper's Figure 5;
 * or a single 3×3 per block), then ReLU → 1×1 → ReLU → 1×1 to the output distribution. Masks split features
 * into R, G, B groups for colour images. Its receptive field has a blind spot to the upper right, which Gated PixelCNN
 * removes.
 * [1]: van den Oord, Kalchbrenner, Kavukcuoglu (2016), Pixel Recurrent Neural Networks,
 *     https://arxiv.org/abs/1601.06759
 */
import * as z from "zod";
import { MaskedConv2d } from "../../nn/conv.js";
import { Dropout } from "../../nn/layers.js";
import { Module } from "../../nn/module.js";
import { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { DataShape } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import { registerModel, type Recipe } from "../registry.js";
import type { IncrementalNet } from "./fast-sample.js";
import { pixelCnnNet } from "./fast-sample-cnn.js";
import { checkGroups, eightBitRecipe, OutputStack, outputFor, outputOptions } from "./layers.js";
import { PixelModel } from "./pixel-model.js";

export const options = z.object({
  features: field.positiveInt(64, "feature maps 2h between blocks"),
  blocks: field.positiveInt(7, "residual blocks"),
  block: field.oneOf(["bottleneck", "plain"], "bottleneck", "block: 1×1 → k×k → 1×1 (paper) or a single k×k"),
  kernel: field.positiveInt(3, "kernel of the blocks' masked convolution (odd)"),
  firstKernel: field.positiveInt(7, "kernel of the first, mask-A convolution (odd)"),
  outputHidden: field.positiveInt(64, "channels of the 1×1 output layer"),
  dropout: field.dropout("dropout probability on each block's branch"),
  ...outputOptions,
});
export type PixelCNNConfig = OptionsOf<typeof options>;

export class ResidualBlock extends Module {
  readonly convs: MaskedConv2d[];
  readonly drop: Dropout;

  constructor(config: PixelCNNConfig, C: number, generator: Generator) {
    super();
    const F = config.features,
      h = F / 2,
      k = config.kernel,
      o = { colorGroups: C, generator };
    const layers: Array<[number, number, number]> =
      config.block === "bottleneck"
        ? [
            [F, h, 1],
            [h, h, k],
            [h, F, 1],
          ]
        : [[F, F, k]];
    // each convolution rectifies its input as it reads it (ReLU → conv in one kernel pass, no ReLU tensor)
    this.convs = layers.map(([i, out, kk], l) =>
      this.registerModule(`conv${l}`, new MaskedConv2d("B", i, out, kk, { ...o, preActivation: "relu" })),
    );
    this.drop = this.registerModule("drop", new Dropout(config.dropout, generator.split(1)[0]));
  }

  /** x + dropout(conv(ReLU(… conv(ReLU(x))))) */
  forward(x: Tensor): Tensor {
    const branch = this.convs.reduce((h, c) => c.forward(h), x);
    return x.add(this.drop.forward(branch));
  }
}

export class PixelCNN extends PixelModel {
  readonly modelName = "pixelcnn";
  readonly first: MaskedConv2d;
  readonly blocks: ResidualBlock[];
  readonly head: OutputStack;

  constructor(
    readonly config: PixelCNNConfig,
    data: DataShape,
    generator: Generator,
  ) {
    super(data, outputFor(config));
    const C = data.shape[0];
    for (const [name, k] of [
      ["kernel", config.kernel],
      ["firstKernel", config.firstKernel],
    ] as const)
      if (k % 2 === 0) throw new RangeError(`pixelcnn: option "${name}" must be odd, got ${k}`);
    checkGroups("pixelcnn", data, {
      features: config.features,
      outputHidden: config.outputHidden,
      ...(config.block === "bottleneck" ? { "features / 2": config.features / 2 } : {}),
    });
    if (config.block === "bottleneck" && config.features % 2 !== 0)
      throw new RangeError(`pixelcnn: option "features" must be even for bottleneck blocks, got ${config.features}`);
    const o = { colorGroups: C, generator };
    this.first = this.registerModule("first", new MaskedConv2d("A", C, config.features, config.firstKernel, o));
    this.blocks = Array.from({ length: config.blocks }, (_, i) =>
      this.registerModule(`block${i}`, new ResidualBlock(config, C, generator)),
    );
    const P = this.output.paramsPerChannel;
    this.head = this.registerModule("head", new OutputStack(config.features, config.outputHidden, C, P, generator));
  }

  receptiveRows(): number {
    return (this.config.firstKernel >> 1) + this.config.blocks * (this.config.kernel >> 1);
  }

  protected override cachedNet(n: number): IncrementalNet {
    return pixelCnnNet(this, this.shape, n);
  }

  protected network(x: Tensor): Tensor {
    const h = this.blocks.reduce((t, b) => b.forward(t), this.first.forward(x));
    return this.head.forward(h);
  }
}

/**
 * One-class anomaly detection (`deepgen anomaly one-class --model pixelcnn`): a small network (16 features, 4 blocks,
 * 7 rows of context, 4,545 parameters) for 8 epochs on each digit's ~5,000 training images, the best epoch on the
 * digit's valid images. The default width scores about 20 ms per image on one core, so the 10 × 90,000 passes of a
 * valid screen (8 binarizations and the stored images) would take some 5 CPU-hours. Measured on the valid split (seed
 * 0, mean AUROC over the ten digits): 61.6 % raw, 61.3 % with input complexity over 8 binarizations, against NADE's
 * 95.4 % — this PixelCNN is not a one-class detector worth choosing (README, "One-class MNIST").
 */
const oneClassRecipe: Recipe = {
  dataset: "mnist-fixed",
  epochs: 8,
  batchSize: 32,
  lr: 1e-3,
  clipNorm: 10,
  options: { features: 16, blocks: 4, outputHidden: 16 },
  reference:
    "one-class MNIST (Ruff et al. 2018, Deep SVDD): 94.8 % mean AUROC " +
    "(measured here on valid: 61.6 % raw, 61.3 % input complexity over 8 binarizations)",
};

registerModel({
  name: "pixelcnn",
  description: "PixelCNN: masked convolutions (7×7 mask A, residual mask-B blocks), exact likelihood",
  family: "autoregressive",
  options,
  // 1563 steps per epoch at batch 32; the default sizes the cosine schedule to 15 epochs (about two hours on two
  // cores at the default width), `full` is the paper-sized network (15 blocks of 256/128 channels) with dropout 0.5
  recipe: {
    dataset: "binarized-mnist",
    epochs: 15,
    batchSize: 32,
    lr: 1e-3,
    patience: 5,
    clipNorm: 10,
    schedule: { kind: "cosine", total: 23438, minFactor: 0.05 },
    reference: "15 epochs at the default width: about two hours on two cores (81.30 nats published)",
  },
  recipes: {
    full: {
      dataset: "binarized-mnist",
      epochs: 30,
      batchSize: 32,
      lr: 1e-3,
      patience: 5,
      clipNorm: 10,
      schedule: { kind: "cosine", total: 46875, minFactor: 0.05 },
      options: { features: 256, blocks: 15, outputHidden: 256, dropout: 0.5 },
      reference: "van den Oord et al. 2016: 81.30 nats on binarized MNIST (15 residual blocks, 256/128 channels)",
    },
    short: {
      dataset: "binarized-mnist",
      epochs: 1,
      batchSize: 32,
      lr: 1e-3,
      clipNorm: 10,
      options: { features: 32, blocks: 4, outputHidden: 32 },
      reference: "a small PixelCNN for one epoch (smoke run)",
    },
    eightbit: eightBitRecipe({
      batchSize: 32,
      clipNorm: 10,
      reference: "8-bit MNIST through a discretized logistic mixture (PixelCNN++ output); reported in bits/dim",
    }),
    "one-class": oneClassRecipe,
  },
  published: { nll_nats: 81.3, source: "van den Oord et al. 2016 (PixelCNN)", data: "binarized-mnist" },
  create: (config, data, generator) => new PixelCNN(config, data, generator),
});
