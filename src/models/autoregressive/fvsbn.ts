/**
 * FVSBN, the fully visible sigmoid belief network [1]: p(x_i = 1 | x_<i) = σ(b_i + Σ_{j<i} W_ij x_j) — logistic
 * regression of every pixel on the ones before it, one masked linear layer with D(D−1)/2 + D parameters.
 * [1]: Frey (1998); as a density model, Larochelle & Murray (2011) report 97.45 nats on binarized MNIST.
 */
import { MaskedLinear } from "../../nn/linear.js";
import { tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Capability, DataInit, DataShape } from "../base.js";
import type { Split } from "../../data/datasets.js";
import { field, type OptionsOf } from "../options.js";
import { registerModel, reproductionRecipes, type Recipe } from "../registry.js";
import { AutoregressiveModel } from "./autoregressive.js";
import * as z from "zod";

export const options = z.object({
  zeroInit: field.boolean(true, "start every weight and bias at zero (each logistic regression at p = ½)"),
  biasFromData: field.boolean(false, "start each bias at the log-odds of its pixel in the training data"),
});
export type FVSBNConfig = OptionsOf<typeof options>;

/** The strictly lower-triangular mask: row i (output) sees columns j < i. */
export function lowerTriangular(D: number): Tensor {
  return tensor(
    Array.from({ length: D * D }, (_, k) => (k % D < Math.floor(k / D) ? 1 : 0)),
    [D, D],
  );
}

export class FVSBN extends AutoregressiveModel implements DataInit {
  override readonly capabilities: readonly Capability[] = [
    "exact-density",
    "sampler",
    "completer",
    "data-init",
    "trainable",
  ];
  readonly modelName = "fvsbn";
  readonly dim: number;
  readonly layer: MaskedLinear;

  constructor(
    // biasFromData may be left out (off) by code that builds the model directly
    readonly config: Pick<FVSBNConfig, "zeroInit"> & Partial<FVSBNConfig>,
    data: DataShape,
    generator: Generator,
  ) {
    super();
    this.dim = data.dim;
    this.layer = this.registerModule(
      "layer",
      new MaskedLinear(data.dim, data.dim, lowerTriangular(data.dim), { generator }),
    );
    if (config.zeroInit) {
      this.layer.weight.data.fill(0);
      this.layer.bias!.data.fill(0);
    }
  }

  /**
   * With `biasFromData`, each pixel's logistic regression starts at its marginal: b_i = log(p̄_i / (1 − p̄_i)), the
   * frequency clamped to [1e-3, 1 − 1e-3] for pixels that are (almost) always off.
   */
  initFromData(train: Split): void {
    if (!this.config.biasFromData) return;
    const D = this.dim,
      count = new Float64Array(D);
    for (let r = 0; r < train.n; r++) for (let i = 0; i < D; i++) count[i]! += train.values[r * D + i]!;
    this.layer.bias!.data.set(
      Array.from(count, (c) => {
        const q = Math.min(Math.max(c / train.n, 1e-3), 1 - 1e-3);
        return Math.log(q / (1 - q));
      }),
    );
  }

  order(): Int32Array {
    return Int32Array.from({ length: this.dim }, (_, i) => i);
  }

  conditionalLogits(x: Tensor): Tensor {
    return this.layer.forward(x);
  }
}

/**
 * Each pixel's regression is convex, so the recipe aims at the regularised optimum quickly: large batches, a high
 * rate decayed by cosine, biases starting at the pixel log-odds, and the average of the weights. What keeps the
 * 307k weights from overfitting 50k images is L1 on the weights (not the biases): it silences the many pixels that
 * say nothing about a given one. L2 on top of it made validation worse (REPRODUCTION.md has the measurements).
 */
const recipe: Recipe = {
  dataset: "binarized-mnist",
  epochs: 40,
  batchSize: 500,
  lr: 1e-2,
  schedule: { kind: "cosine", total: 4000, minFactor: 0.02 },
  l1: 1e-4,
  ema: 0.99,
  patience: 10,
  options: { biasFromData: true },
  reference: "Larochelle & Murray 2011: 97.45 nats",
};

registerModel({
  name: "fvsbn",
  description: "FVSBN: logistic autoregression (strictly lower-triangular weights); exact likelihood",
  family: "autoregressive",
  options,
  recipe: recipe,
  recipes: reproductionRecipes(recipe, { epochs: 2 }),
  published: { nll_nats: 97.45, source: "Larochelle & Murray 2011", data: "binarized-mnist" },
  create: (config, data, generator) => new FVSBN(config, data, generator),
});
