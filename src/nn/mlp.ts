/** A multilayer perceptron as a list of Linear layers with one activation between them (none after the last). */
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
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

  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, l, i) => {
      const y = l.forward(h);
      return i === this.layers.length - 1 ? y : this.activation === "tanh" ? y.tanh() : y.relu();
    }, x);
  }

  get last(): Linear {
    return this.layers[this.layers.length - 1]!;
  }
}
