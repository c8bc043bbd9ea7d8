/** A multilayer perceptron as a list of Linear layers with one activation between them (none after the last). */
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { linearActivation } from "../fused/linear-act/index.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";

export type Activation = "tanh" | "relu";

export class MLP extends Module {
  readonly layers: Linear[];

  /** sizes = [in, hidden…, out] */
  constructor(
    sizes: number[],
    readonly activation: Activation,
    generator?: Generator,
  ) {
    super();
    this.layers = sizes.slice(1).map((o, i) => this.registerModule(String(i), new Linear(sizes[i]!, o, { generator })));
  }

  // each layer with its activation is one fused op (one GEMM forward; activation gradient, bias sum and both GEMMs
  // in one call backward)
  forward(x: Tensor): Tensor {
    const last = this.layers.length - 1;
    return this.layers.reduce((h, l, i) => {
      l.checkInput(h);
      return linearActivation(h, l.weight, l.bias, i === last ? null : this.activation);
    }, x);
  }

  get last(): Linear {
    return this.layers[this.layers.length - 1]!;
  }
}
