/**
 * Fully connected networks for the adversarial models: a stack of Linear layers with ReLU or LeakyReLU between them,
 * and — for a LeakyReLU stack with one output — the gradient of that output with respect to the input, built from
 * differentiable ops so that a loss on it (the WGAN-GP gradient penalty) has gradients for the weights.
 *
 * Why by composition: the engine's backward pass runs with recording off, so it cannot differentiate a gradient it
 * computed (no double backward). For f(x) = w_L·φ(W_{L−1} … φ(W_1 x + b_1) …) + b_L the chain rule gives
 * ∇_x f = W_1ᵀ (m_1 ⊙ W_2ᵀ (m_2 ⊙ … W_{L−1}ᵀ (m_{L−1} ⊙ w_L))), with m_l = φ'(a_l) ∈ {1, slope}:
 * the masks are piecewise constant in the weights, so differentiating this expression in the weights is exact (almost
 * everywhere).
 */
import { noGrad } from "../../autograd/tape.js";
import { BatchNorm1d } from "../../nn/layers.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { linear } from "../../ops/linalg.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";

export type HiddenActivation = "relu" | "leaky-relu";

/** LeakyReLU's negative slope (Radford et al. 2016; Gulrajani et al. 2017 use the same in their critics). */
export const LEAKY_SLOPE = 0.2;

/** One affine layer's tensors: weight [out, in], bias [out]. */
export interface AffineWeights {
  weight: Tensor;
  bias: Tensor | null;
}

const activate = (a: Tensor, act: HiddenActivation): Tensor => (act === "relu" ? a.relu() : a.leakyRelu(LEAKY_SLOPE));

/** The network's forward pass on explicit weights: affine layers with the activation between them, none after. */
export function mlpForward(x: Tensor, layers: readonly AffineWeights[], act: HiddenActivation): Tensor {
  return layers.reduce((h, l, i) => {
    const a = linear(h, l.weight, l.bias);
    return i === layers.length - 1 ? a : activate(a, act);
  }, x);
}

/**
 * ∇_x f(x) for a LeakyReLU network with a single output, one row per input row ([n, in]); differentiable in the
 * weights (see the file header). The masks φ'(a_l) come from a forward pass without recording.
 */
export function leakyMlpInputGradient(x: Tensor, layers: readonly AffineWeights[]): Tensor {
  const last = layers[layers.length - 1]!;
  if (last.weight.shape[0] !== 1)
    throw new TypeError(`leakyMlpInputGradient: the network must have one output, not ${last.weight.shape[0]}`);
  const masks = noGrad(() => {
    const out: Tensor[] = [];
    let h = x;
    for (const l of layers.slice(0, -1)) {
      const a = linear(h, l.weight, l.bias);
      out.push(
        a
          .gt(0)
          .mul(1 - LEAKY_SLOPE)
          .add(LEAKY_SLOPE),
      );
      h = a.leakyRelu(LEAKY_SLOPE);
    }
    return out;
  });
  let g = last.weight; // [1, H_{L−1}], broadcast over the rows by the first mask
  for (let l = layers.length - 2; l >= 0; l--) g = masks[l]!.mul(g).matmul(layers[l]!.weight);
  return layers.length === 1 ? g.expand([x.shape[0]!, g.shape[1]!]) : g;
}

/** A Linear stack sizes[0] → … → sizes[last] with `act` between layers, optionally batch-normalised before it. */
export class MlpNet extends Module {
  readonly layers: Linear[];
  readonly norms: BatchNorm1d[];

  constructor(
    sizes: readonly number[],
    readonly act: HiddenActivation,
    generator: Generator,
    batchNorm = false,
  ) {
    super();
    this.layers = sizes.slice(1).map((o, i) => this.registerModule(String(i), new Linear(sizes[i]!, o, { generator })));
    this.norms = batchNorm ? sizes.slice(1, -1).map((o, i) => this.registerModule(`bn${i}`, new BatchNorm1d(o))) : [];
  }

  forward(x: Tensor): Tensor {
    if (this.norms.length === 0) return mlpForward(x, this.layers, this.act);
    return this.layers.reduce((h, l, i) => {
      const a = l.forward(h);
      return i === this.layers.length - 1 ? a : activate(this.norms[i]!.forward(a), this.act);
    }, x);
  }
}
