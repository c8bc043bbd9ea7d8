/** Building blocks shared by the pixel models: option fields, the 1×1 output stack, shifts and the gated unit. */
import { gatedUnit } from "../../fused/gated-unit/index.js";
import { MaskedConv2d } from "../../nn/conv.js";
import { Module } from "../../nn/module.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { DataShape } from "../base.js";
import { field } from "../options.js";
import type { Recipe } from "../recipe.js";
import { pixelOutput, type OutputKind, type PixelOutput } from "./outputs.js";

/** The output options every pixel model has. */
export const outputOptions = {
  output: field.oneOf(
    ["bernoulli", "softmax", "logistic", "gaussian"],
    "bernoulli",
    "output distribution per value: bernoulli (binary data), softmax over `levels`, a discretized logistic " +
      "mixture, or a Gaussian mixture on dequantized values (scored as a bound)",
  ),
  levels: field.positiveInt(256, "values per channel for softmax/logistic/gaussian outputs (256 for 8-bit images)"),
  mixtures: field.positiveInt(5, "components per channel (logistic and gaussian outputs)"),
  dequantizationDraws: field.positiveInt(
    4,
    "uniform dequantization draws averaged per image when the gaussian output's bound is evaluated",
  ),
};

type OutputConfig = { output: OutputKind; levels: number; mixtures: number; dequantizationDraws: number };

/**
 * The `eightbit` recipe of a pixel model: 8-bit MNIST (`mnist`, 256 levels per value) with a 256-level output — a
 * discretized logistic mixture unless `output` says softmax.
 */
export function eightBitRecipe(o: {
  batchSize: number;
  clipNorm: number;
  reference: string;
  epochs?: number;
  patience?: number;
  output?: "softmax" | "logistic";
}): Recipe {
  const output = o.output ?? "logistic";
  return {
    dataset: "mnist",
    epochs: o.epochs ?? 30,
    batchSize: o.batchSize,
    lr: 1e-3,
    patience: o.patience ?? 5,
    clipNorm: o.clipNorm,
    options: output === "logistic" ? { output, levels: 256, mixtures: 5 } : { output, levels: 256 },
    reference: o.reference,
  };
}

export function outputFor(config: OutputConfig): PixelOutput {
  return pixelOutput(config.output, config.levels, config.mixtures, config.dequantizationDraws);
}

/**
 * Checks that every feature count divides into the image's colour groups (a masked layer assigns feature f of F to
 * channel ⌊f·C/F⌋) and says which option to change when it does not.
 */
export function checkGroups(model: string, data: DataShape, counts: Record<string, number>): void {
  const C = data.shape[0];
  for (const [name, v] of Object.entries(counts))
    if (v % C !== 0)
      throw new RangeError(`${model}: option "${name}" (${v}) must be a multiple of the ${C} colour channels`);
}

/**
 * ReLU → 1×1 → ReLU → 1×1 to C·P parameters, masked (type B) so channel c's parameters see only groups ≤ c.
 */
export class OutputStack extends Module {
  readonly hidden: MaskedConv2d;
  readonly out: MaskedConv2d;

  constructor(inChannels: number, hidden: number, C: number, P: number, generator: Generator) {
    super();
    const o = { colorGroups: C, generator };
    this.hidden = this.registerModule("hidden", new MaskedConv2d("B", inChannels, hidden, 1, o));
    this.out = this.registerModule("out", new MaskedConv2d("B", hidden, C * P, 1, o));
  }

  forward(x: Tensor): Tensor {
    return this.out.forward(this.hidden.forward(x.relu()).relu());
  }
}

/** Shifts [B, C, H, W] down by `k` rows (zeros enter at the top): row r then holds what row r − k held. */
export function shiftDown(x: Tensor, k = 1): Tensor {
  const H = x.shape[2]!;
  return x
    .pad([
      [k, 0],
      [0, 0],
    ])
    .slice(2, 0, H);
}

/** Mirrors [B, C, H, W] left to right. */
export function flipWidth(x: Tensor): Tensor {
  const W = x.shape[3]!;
  return x.indexSelect(
    3,
    Array.from({ length: W }, (_, i) => W - 1 - i),
  );
}

/**
 * The gated unit tanh(a) ⊙ σ(b) of Gated PixelCNN on [B, 2F, H, W] (plus `add`, if given, of the same shape) →
 * [B, F, H, W]. Each colour group's block of channels holds its own a then b halves, so an output unit's two factors
 * belong to the same group as the unit. One fused op (src/fused/gated-unit), forward and backward.
 */
export function gate(x: Tensor, groups: number, add: Tensor | null = null): Tensor {
  return gatedUnit(x, groups, add);
}
