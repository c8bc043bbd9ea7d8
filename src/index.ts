/** deepgen: tensors with reverse-mode autodiff over a native C++ CPU backend. */
export { Tensor, isTensor } from "./tensor/tensor.js";
export type { DType } from "./tensor/storage.js";
export { tensor, zeros, ones, full, arange, rand, randn, bernoulli, categorical, randperm } from "./tensor/create.js";
export type { CreateOptions, RandomOptions } from "./tensor/create.js";
export { Generator, manualSeed, getDefaultGenerator } from "./tensor/rng.js";
export { noGrad, isGradEnabled } from "./autograd/tape.js";
export type { Op } from "./autograd/op.js";
export { add, sub, mul, div, pow, minimum, maximum, where, bceWithLogits, cast } from "./ops/elementwise.js";
export { sumToShape } from "./ops/reduce.js";
export { concat, stack, oneHot, reshape, permute, expand, slice, pad, indexSelect, gather } from "./ops/movement.js";
export { matmul, conv2d, convTranspose2d, conv1d, maxPool2d, avgPool2d } from "./ops/linalg.js";
export type { Conv2dOptions } from "./ops/linalg.js";
export { crossEntropy } from "./ops/loss.js";
export { getBackend, setBackend, nativeAvailable, setNumThreads, getNumThreads } from "./backend/registry.js";
export type { Backend } from "./backend/backend.js";
