/** Fully connected layers: y = x Wᵀ + b, and its masked form y = x (W ⊙ M)ᵀ + b (MADE, FVSBN). */
import { defaultUniform } from "./init.js";
import { linear } from "../ops/linalg.js";
import { maskedLinear } from "../fused/masked-linear/index.js";
import type { Generator } from "../tensor/rng.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

export interface LinearOptions {
  bias?: boolean;
  generator?: Generator;
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  /** PyTorch's default initialisation: W and b ~ U(−1/√in, 1/√in). */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    this.weight = this.registerParameter(
      "weight",
      defaultUniform([outFeatures, inFeatures], inFeatures, opts.generator),
    );
    this.bias =
      opts.bias === false
        ? null
        : this.registerParameter("bias", defaultUniform([outFeatures], inFeatures, opts.generator));
  }

  protected effectiveWeight(): Tensor {
    return this.weight;
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    return linear(x, this.effectiveWeight(), this.bias);
  }

  /** Throws a TypeError naming the layer when x's last dimension is not inFeatures. */
  checkInput(x: Tensor): void {
    if (x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new TypeError(
        `Linear(${this.inFeatures}→${this.outFeatures}): input ${fmt(x.shape)} has ${x.shape[x.ndim - 1]} features`,
      );
    }
  }
}

export class MaskedLinear extends Linear {
  #mask: Tensor;

  constructor(inFeatures: number, outFeatures: number, mask: Tensor, opts: LinearOptions = {}) {
    super(inFeatures, outFeatures, opts);
    this.#mask = mask;
    this.setMask(mask);
  }

  /** Replaces the connectivity mask ([out, in], entries 0/1); the weights are untouched. */
  setMask(mask: Tensor): void {
    if (mask.ndim !== 2 || mask.shape[0] !== this.outFeatures || mask.shape[1] !== this.inFeatures) {
      throw new TypeError(`MaskedLinear: mask ${fmt(mask.shape)} must be [${this.outFeatures},${this.inFeatures}]`);
    }
    this.#mask = mask;
  }

  get mask(): Tensor {
    return this.#mask;
  }

  // the mask multiplies the weight inside the graph, so gradients of masked weights are exactly zero
  protected override effectiveWeight(): Tensor {
    return this.weight.mul(this.#mask);
  }

  // the same product in one fused op: the kernels apply the mask inside the GEMM, forward and backward
  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    return maskedLinear(x, this.weight, this.#mask, this.bias);
  }
}
