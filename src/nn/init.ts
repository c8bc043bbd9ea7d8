/** Weight initialisations (PyTorch's conventions for fan-in/fan-out). */
import { rand, randn } from "../tensor/create.js";
import type { Generator } from "../tensor/rng.js";
import type { Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

/** fan_in = shape[1]·receptive field, fan_out = shape[0]·receptive field (weights laid out [out, in, …]). */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: (shape[1] ?? 1) * receptive, fanOut: shape[0]! * receptive };
}

export const uniform = (shape: Shape, bound: number, generator?: Generator): Tensor =>
  rand(shape, { low: -bound, high: bound, generator });

/** Glorot & Bengio (2010): U(±gain·√(6/(fan_in+fan_out))). */
export function xavierUniform(shape: Shape, gain = 1, generator?: Generator): Tensor {
  const { fanIn, fanOut } = fans(shape);
  return uniform(shape, gain * Math.sqrt(6 / (fanIn + fanOut)), generator);
}

export function xavierNormal(shape: Shape, gain = 1, generator?: Generator): Tensor {
  const { fanIn, fanOut } = fans(shape);
  return randn(shape, { std: gain * Math.sqrt(2 / (fanIn + fanOut)), generator });
}

/** He et al. (2015): U(±gain·√(3/fan_in)) with gain √(2/(1+a²)) for leaky ReLU slope a (a = 0: ReLU). */
export function kaimingUniform(shape: Shape, a = 0, generator?: Generator): Tensor {
  const gain = Math.sqrt(2 / (1 + a * a));
  return uniform(shape, gain * Math.sqrt(3 / fans(shape).fanIn), generator);
}

export function kaimingNormal(shape: Shape, a = 0, generator?: Generator): Tensor {
  const gain = Math.sqrt(2 / (1 + a * a));
  return randn(shape, { std: gain / Math.sqrt(fans(shape).fanIn), generator });
}

/**
 * PyTorch's default for Linear and Conv weights: kaiming_uniform with a = √5, which is U(±1/√fan_in); biases use
 * the same bound.
 */
export const defaultUniform = (shape: Shape, fanIn: number, generator?: Generator): Tensor =>
  uniform(shape, 1 / Math.sqrt(fanIn), generator);
