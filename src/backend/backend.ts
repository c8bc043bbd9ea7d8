/**
 * The backend contract: a small set of kernels over flat typed arrays. Shapes arrive validated and (for movement
 * and broadcasting) already reduced to strides, so every kernel is a plain loop.
 * Op codes match native/include/kernels.h.
 */

export type Storage = Float32Array | Float64Array;

export const UnaryOp = {
  neg: 0,
  exp: 1,
  log: 2,
  log1p: 3,
  expm1: 4,
  sqrt: 5,
  square: 6,
  abs: 7,
  sigmoid: 8,
  logSigmoid: 9,
  tanh: 10,
  relu: 11,
  leakyRelu: 12,
  elu: 13,
  softplus: 14,
  erf: 15,
  clamp: 16,
  affine: 17,
  powScalar: 18,
  sign: 19,
  reciprocal: 20,
} as const;
export type UnaryName = keyof typeof UnaryOp;

export const BinaryOp = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  minimum: 5,
  maximum: 6,
  eq: 7,
  ne: 8,
  lt: 9,
  le: 10,
  gt: 11,
  ge: 12,
  bceLogits: 13,
  bceLogitsGrad: 14,
} as const;
export type BinaryName = keyof typeof BinaryOp;

export const ReduceOp = { sum: 0, max: 1, logSumExp: 2, min: 3 } as const;
export type ReduceName = keyof typeof ReduceOp;

/** Convolution / pooling geometry, NCHW. For pooling, cOut is unused. */
export interface ConvGeom {
  n: number;
  c: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  ho: number;
  wo: number;
  /** conv2d only: the live kernel positions (i·kw + j, increasing); other weights are ignored. Absent: all. */
  taps?: Int32Array;
  /** conv2d only: fused ReLUs, RELU_INPUT | RELU_OUTPUT (conv(max(x, 0)), max(conv(x), 0)). Absent: none. */
  relu?: number;
  /** conv2d only: with RELU_OUTPUT, the output's leaky slope (v > 0 ? v : slope·v). Absent or 0: ReLU. */
  slope?: number;
}

/** Bits of ConvGeom.relu (the same values in native/kernels/conv.cc). */
export const RELU_INPUT = 1,
  RELU_OUTPUT = 2;

export interface Backend {
  readonly name: "reference" | "native";
  unary(op: UnaryName, x: Storage, out: Storage, alpha: number, beta: number): void;
  /** out = gy · f'(x); rules read x, y = f(x), or both (the unused one may be null). */
  unaryGrad(
    op: UnaryName,
    x: Storage | null,
    y: Storage | null,
    gy: Storage,
    out: Storage,
    alpha: number,
    beta: number,
  ): void;
  binary(op: BinaryName, a: Storage, b: Storage, out: Storage, shape: number[], sa: number[], sb: number[]): void;
  where(
    c: Storage,
    a: Storage,
    b: Storage,
    out: Storage,
    shape: number[],
    sc: number[],
    sa: number[],
    sb: number[],
  ): void;
  /** x viewed as [outer, n, inner] → out [outer, inner] */
  reduce(op: ReduceName, x: Storage, out: Storage, outer: number, n: number, inner: number): void;
  softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void;
  softmaxGrad(y: Storage, gy: Storage, out: Storage, rows: number, cols: number, log: boolean): void;
  crossEntropy(z: Storage, target: Int32Array, loss: Storage, outer: number, c: number, inner: number): void;
  crossEntropyGrad(
    z: Storage,
    target: Int32Array,
    gLoss: Storage,
    gz: Storage,
    outer: number,
    c: number,
    inner: number,
  ): void;
  /** out[b] = op(A[b]) · op(B[b]) + beta · out[b]; A[b] = a + b·strideA (stride 0 broadcasts), out[b] dense m×n. */
  matmul(
    batch: number,
    m: number,
    n: number,
    k: number,
    a: Storage,
    strideA: number,
    transA: boolean,
    b: Storage,
    strideB: number,
    transB: boolean,
    beta: number,
    out: Storage,
  ): void;
  /** out[m, n] = x[m, k] · w[n, k]ᵀ + bias[n] (bias may be null). */
  linear(x: Storage, w: Storage, bias: Storage | null, out: Storage, m: number, k: number, n: number): void;
  stridedCopy(
    x: Storage,
    out: Storage,
    shape: number[],
    ss: number[],
    srcOffset: number,
    ds: number[],
    dstOffset: number,
    accumulate: boolean,
  ): void;
  indexSelect(x: Storage, idx: Int32Array, out: Storage, outer: number, nIn: number, inner: number, nIdx: number): void;
  indexAdd(g: Storage, idx: Int32Array, gx: Storage, outer: number, nIn: number, inner: number, nIdx: number): void;
  gather(x: Storage, idx: Int32Array, out: Storage, outer: number, nIn: number, nOut: number, inner: number): void;
  scatterAdd(g: Storage, idx: Int32Array, gx: Storage, outer: number, nIn: number, nOut: number, inner: number): void;
  /** out = conv(x) + bias (+ residual, same shape as out, when given; never with a rectified output). */
  conv2d(g: ConvGeom, x: Storage, w: Storage, bias: Storage | null, out: Storage, residual?: Storage | null): void;
  conv2dGradInput(g: ConvGeom, gy: Storage, w: Storage, gx: Storage): void;
  conv2dGradWeight(g: ConvGeom, x: Storage, gy: Storage, gw: Storage): void;
  /**
   * Every gradient of conv2d (its fused ReLUs included) in one pass over the batch: y is the forward output (read
   * when the output is rectified); gx, gw, gb may each be null (not wanted).
   */
  conv2dBackward(
    g: ConvGeom,
    x: Storage,
    w: Storage,
    y: Storage,
    gy: Storage,
    gx: Storage | null,
    gw: Storage | null,
    gb: Storage | null,
  ): void;
  maxPool2d(g: ConvGeom, x: Storage, out: Storage, argmax: Int32Array): void;
  maxPool2dGrad(g: ConvGeom, gy: Storage, argmax: Int32Array, gx: Storage): void;
  avgPool2d(g: ConvGeom, x: Storage, out: Storage): void;
  avgPool2dGrad(g: ConvGeom, gy: Storage, gx: Storage): void;
  adam(
    p: Storage,
    g: Storage,
    m: Storage,
    v: Storage,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    bc1: number,
    bc2: number,
    weightDecay: number,
    decoupled: boolean,
  ): void;
}
