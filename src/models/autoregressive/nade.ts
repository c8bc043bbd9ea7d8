/**
 * NADE [1,2]: h_i = σ(c + W_{<i} x_{<i}), p(x_i = 1 | x_{<i}) = σ(b_i + V_i · h_i), computed in O(DH) by updating
 * the hidden pre-activation one pixel at a time — in one fused kernel for the forward pass, its gradient and
 * sampling.
 * [1]: Larochelle & Murray (2011), http://proceedings.mlr.press/v15/larochelle11a.html
 * [2]: Uria, Côté, Gregor, Murray, Larochelle (2016), https://arxiv.org/abs/1605.02226
 */
import { noGrad } from "../../autograd/tape.js";
import { nadeLogits, nadeSample } from "../../fused/nade/index.js";
import { tensor, zeros } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { uniform } from "../../nn/init.js";
import type { Capability, DataShape, LatentModel } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import { registerModel, reproductionRecipes, type Recipe } from "../registry.js";
import { AutoregressiveModel } from "./autoregressive.js";
import * as z from "zod";

export const options = z.object({ hidden: field.positiveInt(500, "hidden units H") });
export type NADEConfig = OptionsOf<typeof options>;

export class NADE extends AutoregressiveModel implements LatentModel {
  readonly modelName = "nade";
  override readonly capabilities: readonly Capability[] = [
    "exact-density",
    "sampler",
    "completer",
    "latent",
    "trainable",
  ];
  readonly dim: number;
  /** W [D, H]: row i holds the input weights of pixel i */
  readonly W: Tensor;
  readonly c: Tensor;
  /** V [D, H]: row i reads the hidden layer for pixel i */
  readonly V: Tensor;
  readonly b: Tensor;

  constructor(
    readonly config: NADEConfig,
    data: DataShape,
    generator: Generator,
  ) {
    super();
    const D = data.dim,
      H = config.hidden;
    this.dim = D;
    this.W = this.registerParameter("W", uniform([D, H], 1 / Math.sqrt(D), generator));
    this.c = this.registerParameter("c", zeros([H]));
    this.V = this.registerParameter("V", uniform([D, H], 1 / Math.sqrt(H), generator));
    this.b = this.registerParameter("b", zeros([D]));
  }

  order(): Int32Array {
    return Int32Array.from({ length: this.dim }, (_, i) => i);
  }

  conditionalLogits(x: Tensor): Tensor {
    return nadeLogits(x, this.W, this.c, this.V, this.b);
  }

  get latentDim(): number {
    return this.config.hidden;
  }

  /**
   * The representation for probes: σ(c + W·x), the hidden layer once every pixel has been read (h_i after the last
   * pixel). It is the only h_i that sees the whole image — the early ones see blank top rows on MNIST, so their mean
   * would be dominated by near-constant vectors — and it costs one GEMM instead of the O(DH) recurrence.
   */
  embed(x: Tensor): Tensor {
    return noGrad(() => x.matmul(this.W).add(this.c).sigmoid());
  }

  /** Ancestral sampling in O(DH) per sample through the fused kernel. */
  override complete(x: Tensor, observed: Uint8Array | null, generator: Generator): Tensor {
    return noGrad(() => nadeSample(x, generator.uniform01(x.size), observed, this.W, this.c, this.V, this.b));
  }

  override sample(n: number, generator: Generator): Tensor {
    return this.complete(tensor(new Float32Array(n * this.dim), [n, this.dim]), null, generator);
  }
}

const recipe: Recipe = {
  dataset: "binarized-mnist",
  epochs: 100,
  batchSize: 100,
  lr: 1e-3,
  patience: 15,
  schedule: { kind: "cosine", total: 50000, minFactor: 0.05 },
  reference: "Larochelle & Murray 2011: 88.86 nats; Uria et al. 2016: 88.33 (H = 500)",
};

/**
 * One-class anomaly detection (`deepgen anomaly one-class`): H = 500 on each digit's ~5,000 training images, the best
 * epoch on that digit's validation images. Chosen on the valid split (mean AUROC, seed 0, input complexity averaged
 * over 8 binarizations): NADE 95.4 against MADE's one-class recipe 95.1 and the two combined 95.3.
 */
const oneClassRecipe: Recipe = {
  dataset: "mnist-fixed",
  epochs: 20,
  batchSize: 100,
  lr: 1e-3,
  reference:
    "one-class MNIST (Ruff et al. 2018, Deep SVDD): 94.8 % mean AUROC " +
    "(measured here: 95.1 % on test, input complexity averaged over 8 binarizations)",
};

registerModel({
  name: "nade",
  description: "NADE: weight-shared autoregressive model with an O(DH) fused kernel; exact likelihood",
  family: "autoregressive",
  options,
  recipe: recipe,
  recipes: { ...reproductionRecipes(recipe, { epochs: 2 }), "one-class": oneClassRecipe },
  published: { nll_nats: 88.33, source: "Uria et al. 2016 (H = 500)", data: "binarized-mnist" },
  create: (config, data, generator) => new NADE(config, data, generator),
});
