/**
 * Every differentiable op on odd shapes with broadcasting, as (inputs, fn) cases. The gradient check runs them in
 * float64 on the reference backend; the parity test runs them in float32 on both backends.
 */
import {
  Generator,
  Tensor,
  linear,
  bceWithLogits,
  concat,
  conv1d,
  conv2d,
  convTranspose2d,
  crossEntropy,
  maxPool2d,
  avgPool2d,
  stack,
  where,
  tensor,
  type DType,
} from "../src/index.js";
import { randomTensor } from "./helpers.js";
import { fusedCases } from "./fused/index.js";

export interface OpCase {
  name: string;
  inputs: (gen: Generator, dtype: DType) => Tensor[];
  fn: (...xs: Tensor[]) => Tensor;
  /** parity tolerance (float32 native vs reference); default { atol: 1e-5, rtol: 1e-4 } */
  tol?: { atol: number; rtol: number };
}

const r =
  (shape: number[], low = -2, high = 2) =>
  (gen: Generator, dtype: DType) =>
    randomTensor(gen, shape, { dtype, low, high });
const ins =
  (...fs: Array<(g: Generator, d: DType) => Tensor>) =>
  (g: Generator, d: DType) =>
    fs.map((f) => f(g, d));
const constMask = (shape: number[]) => (gen: Generator, dtype: DType) =>
  randomTensor(gen, shape, { dtype, low: 0, high: 1, grad: false }).gt(0.5);

export const opCases: OpCase[] = [
  // unary
  { name: "neg", inputs: ins(r([3, 5])), fn: (x) => x.neg() },
  { name: "exp", inputs: ins(r([3, 5])), fn: (x) => x.exp() },
  { name: "log", inputs: ins(r([3, 5], 0.2, 3)), fn: (x) => x.log() },
  { name: "log1p", inputs: ins(r([3, 5], -0.5, 3)), fn: (x) => x.log1p() },
  { name: "expm1", inputs: ins(r([3, 5])), fn: (x) => x.expm1() },
  { name: "sqrt", inputs: ins(r([3, 5], 0.2, 3)), fn: (x) => x.sqrt() },
  { name: "square", inputs: ins(r([3, 5])), fn: (x) => x.square() },
  { name: "abs", inputs: ins(r([3, 5])), fn: (x) => x.abs() },
  { name: "sigmoid", inputs: ins(r([3, 5], -6, 6)), fn: (x) => x.sigmoid() },
  { name: "logSigmoid", inputs: ins(r([3, 5], -8, 8)), fn: (x) => x.logSigmoid() },
  { name: "tanh", inputs: ins(r([3, 5], -3, 3)), fn: (x) => x.tanh() },
  { name: "relu", inputs: ins(r([3, 5])), fn: (x) => x.relu() },
  { name: "leakyRelu", inputs: ins(r([3, 5])), fn: (x) => x.leakyRelu(0.1) },
  // long enough for whole vectors of every path (4, 8 and 16 floats) and a tail
  { name: "relu, 185 values", inputs: ins(r([5, 37])), fn: (x) => x.relu() },
  { name: "leakyRelu, 185 values", inputs: ins(r([5, 37])), fn: (x) => x.leakyRelu(0.2) },
  { name: "elu", inputs: ins(r([3, 5])), fn: (x) => x.elu(0.7) },
  { name: "softplus", inputs: ins(r([3, 5], -6, 6)), fn: (x) => x.softplus() },
  { name: "erf", inputs: ins(r([3, 5])), fn: (x) => x.erf() },
  { name: "clamp", inputs: ins(r([3, 5])), fn: (x) => x.clamp(-0.5, 0.7) },
  { name: "affine", inputs: ins(r([3, 5])), fn: (x) => x.mul(3).add(2).sub(1).div(4) },
  { name: "powScalar", inputs: ins(r([3, 5], 0.3, 2)), fn: (x) => x.pow(1.7).add(x.pow(3)) },
  { name: "reciprocal", inputs: ins(r([3, 5], 0.3, 2)), fn: (x) => x.reciprocal() },
  // binary with broadcasting
  { name: "add", inputs: ins(r([3, 1, 4]), r([2, 4])), fn: (a, b) => a.add(b) },
  { name: "sub", inputs: ins(r([5, 3]), r([3])), fn: (a, b) => a.sub(b) },
  { name: "mul", inputs: ins(r([2, 3, 4]), r([3, 1])), fn: (a, b) => a.mul(b) },
  { name: "div", inputs: ins(r([4, 5]), r([1, 5], 0.5, 2)), fn: (a, b) => a.div(b) },
  { name: "pow", inputs: ins(r([3, 4], 0.5, 2), r([4], -1, 2)), fn: (a, b) => a.pow(b) },
  { name: "minimum", inputs: ins(r([3, 4]), r([4])), fn: (a, b) => a.minimum(b) },
  { name: "maximum", inputs: ins(r([3, 4]), r([3, 1])), fn: (a, b) => a.maximum(b) },
  {
    name: "bceWithLogits",
    inputs: ins(r([5, 7], -5, 5), r([5, 7], 0, 1)),
    fn: (z, t) => bceWithLogits(z, t, { reduction: "none" }),
  },
  { name: "where", inputs: ins(r([3, 4]), r([4]), constMask([3, 4])), fn: (a, b, c) => where(c!, a!, b!) },
  // reductions
  { name: "sum", inputs: ins(r([3, 4, 5])), fn: (x) => x.sum(1).add(x.sum([0, 2], true).sum()) },
  { name: "mean", inputs: ins(r([3, 4, 5])), fn: (x) => x.mean([0, 2]) },
  { name: "max", inputs: ins(r([3, 4, 5])), fn: (x) => x.max(1).add(x.max([0, 2], true).sum()) },
  { name: "min", inputs: ins(r([3, 4, 5])), fn: (x) => x.min(-1) },
  { name: "logSumExp", inputs: ins(r([3, 4, 5])), fn: (x) => x.logSumExp(-1).add(x.logSumExp([0, 2], true).sum()) },
  { name: "variance", inputs: ins(r([4, 6])), fn: (x) => x.variance(1, false, 1) },
  { name: "softmax", inputs: ins(r([2, 3, 5])), fn: (x) => x.softmax(1) },
  { name: "logSoftmax", inputs: ins(r([4, 7])), fn: (x) => x.logSoftmax(-1) },
  { name: "crossEntropy", inputs: ins(r([4, 5])), fn: (z) => crossEntropy(z, [0, 4, 2, 2], { reduction: "none" }) },
  {
    name: "crossEntropy axis 1",
    inputs: ins(r([2, 3, 4])),
    fn: (z) => crossEntropy(z, [0, 1, 2, 2, 1, 0, 0, 1], { axis: 1, reduction: "none" }),
  },
  // linear algebra
  { name: "matmul", inputs: ins(r([3, 4]), r([4, 5])), fn: (a, b) => a.matmul(b) },
  { name: "matmul transposed views", inputs: ins(r([4, 3]), r([5, 4])), fn: (a, b) => a.T.matmul(b.T) },
  { name: "matmul batched broadcast", inputs: ins(r([2, 3, 4]), r([4, 5])), fn: (a, b) => a.matmul(b) },
  { name: "matmul batch expand", inputs: ins(r([2, 1, 3, 4]), r([3, 4, 2])), fn: (a, b) => a.matmul(b) },
  { name: "linear", inputs: ins(r([2, 3, 5]), r([4, 5]), r([4])), fn: (x, w, b) => linear(x!, w!, b!) },
  { name: "linear no bias", inputs: ins(r([3, 5]), r([4, 5])), fn: (x, w) => linear(x!, w!) },
  // fused ops: their cases live beside their tests (test/fused/)
  ...fusedCases,
  {
    name: "conv2d",
    inputs: ins(r([2, 3, 7, 6]), r([4, 3, 3, 2]), r([4])),
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: [2, 1], padding: 1, dilation: [1, 2] }),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  { name: "conv2d 1x1", inputs: ins(r([2, 5, 3, 4]), r([3, 5, 1, 1])), fn: (x, w) => conv2d(x!, w!) },
  {
    name: "conv2d with live taps (3x3 mask B: 5 of 9; strided, dilated)",
    inputs: ins(r([2, 3, 7, 6]), r([4, 3, 3, 3]), r([4])),
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: [1, 2], padding: [1, 2], dilation: [1, 2], taps: [0, 1, 2, 3, 4] }),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  {
    name: "conv2d with scattered live taps [1,5,6] of 4x2",
    inputs: ins(r([2, 2, 6, 5]), r([3, 2, 4, 2])),
    fn: (x, w) => conv2d(x!, w!, null, { padding: [2, 0], taps: [1, 5, 6] }),
  },
  {
    name: "conv2d 1x1 with fused ReLUs on input and output",
    inputs: ins(r([2, 5, 3, 4]), r([3, 5, 1, 1]), r([3])),
    fn: (x, w, b) => conv2d(x!, w!, b!, { preActivation: "relu", activation: "relu" }),
  },
  {
    name: "conv2d with live taps and a fused output ReLU (strided)",
    inputs: ins(r([2, 3, 7, 6]), r([4, 3, 3, 3]), r([4])),
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: [1, 2], padding: 1, taps: [0, 1, 2, 3, 4], activation: "relu" }),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  {
    name: "conv2d 4x4 stride 2 with a fused output leaky ReLU(0.3) (DCGAN's first D layer)",
    inputs: ins(r([2, 2, 8, 6]), r([3, 2, 4, 4]), r([3])),
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1, activation: "leaky-relu", slope: 0.3 }),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  {
    name: "conv2d 1x1 with a fused input ReLU and output leaky ReLU(0.3)",
    inputs: ins(r([2, 5, 3, 4]), r([3, 5, 1, 1])),
    fn: (x, w) => conv2d(x!, w!, null, { preActivation: "relu", activation: "leaky-relu", slope: 0.3 }),
  },
  {
    name: "conv2d 3x3 with a fused input ReLU, no bias",
    inputs: ins(r([3, 2, 5, 4]), r([3, 2, 3, 3])),
    fn: (x, w) => conv2d(x!, w!, null, { padding: 1, preActivation: "relu" }),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  {
    name: "conv1d",
    inputs: ins(r([2, 3, 9]), r([2, 3, 3]), r([2])),
    fn: (x, w, b) => conv1d(x!, w!, b!, { padding: 1 }),
  },
  {
    name: "convTranspose2d",
    inputs: ins(r([2, 3, 4, 5]), r([3, 2, 3, 3]), r([2])),
    fn: (x, w, b) => convTranspose2d(x!, w!, b!, { stride: 2, padding: 1, outputPadding: 1 }),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  { name: "maxPool2d", inputs: ins(r([2, 2, 6, 5])), fn: (x) => maxPool2d(x, 2, { padding: 1 }) },
  { name: "avgPool2d", inputs: ins(r([2, 2, 5, 5])), fn: (x) => avgPool2d(x, 3, { stride: 1, padding: 1 }) },
  // movement
  { name: "reshape", inputs: ins(r([3, 4])), fn: (x) => x.reshape(2, -1, 3).mul(x.reshape([12]).reshape(2, 2, 3)) },
  { name: "permute", inputs: ins(r([2, 3, 4])), fn: (x) => x.permute(2, 0, 1).exp() },
  { name: "expand", inputs: ins(r([3, 1])), fn: (x) => x.expand(2, 3, 4) },
  { name: "slice", inputs: ins(r([5, 7])), fn: (x) => x.slice(1, 1, 7, 2).add(x.slice(1, -3)).slice(0, -4) },
  { name: "concat", inputs: ins(r([2, 3]), r([2, 1]), r([2, 4])), fn: (a, b, c) => concat([a!, b!, c!], 1) },
  { name: "stack", inputs: ins(r([2, 3]), r([2, 3])), fn: (a, b) => stack([a!, b!], 1) },
  {
    name: "pad",
    inputs: ins(r([2, 3, 4])),
    fn: (x) =>
      x.pad(
        [
          [1, 0],
          [2, 1],
        ],
        0.5,
      ),
  },
  { name: "indexSelect", inputs: ins(r([5, 3])), fn: (x) => x.indexSelect(0, [4, 0, 4, 2]) },
  {
    name: "gather",
    inputs: ins(r([3, 4])),
    fn: (x) =>
      x.gather(
        1,
        tensor([
          [0, 3],
          [1, 1],
          [2, 0],
        ]),
      ),
  },
  { name: "copy", inputs: ins(r([3, 4])), fn: (x) => x.T.contiguous().mul(x.clone().T) },
];
