/**
 * FVSBN, the fully visible sigmoid belief network [1]: p(x_i = 1 | x_<i) = σ(b_i + Σ_{j<i} W_ij x_j) — logistic
 * regression of every pixel on the ones before it, one masked linear layer with D(D−1)/2 + D parameters.
 * [1]: Frey (1998); as a density model, Larochelle & Murray (2011) report 97.45 nats on binarized MNIST.
 */
import { MaskedLinear } from "../../nn/linear.js";
import { tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { DataShape } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import { registerModel, reproductionRecipes, type Recipe } from "../registry.js";
import { AutoregressiveModel } from "./autoregressive.js";
import * as z from "zod";

export const options = z.object({
  zeroInit: field.boolean(true, "start every weight and bias at zero (each logistic regression at p = ½)"),
});
export type FVSBNConfig = OptionsOf<typeof options>;

/** The strictly lower-triangular mask: row i (output) sees columns j < i. */
export function lowerTriangular(D: number): Tensor {
  return tensor(
    Array.from({ length: D * D }, (_, k) => (k % D < Math.floor(k / D) ? 1 : 0)),
    [D, D],
  );
}

export class FVSBN extends AutoregressiveModel {
  readonly modelName = "fvsbn";
  readonly dim: number;
  readonly layer: MaskedLinear;

  constructor(
    readonly config: FVSBNConfig,
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

  order(): Int32Array {
    return Int32Array.from({ length: this.dim }, (_, i) => i);
  }

  conditionalLogits(x: Tensor): Tensor {
    return this.layer.forward(x);
  }
}

const recipe: Recipe = {
  dataset: "binarized-mnist",
  epochs: 100,
  batchSize: 100,
  lr: 1e-3,
  patience: 10,
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
