/**
 * Native vs reference on random float32 inputs: forward values and every input gradient. Shapes include odd sizes
 * (SIMD tails), sizes above the threading threshold, transposed views, 1-element and empty dims.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Generator,
  Tensor,
  nativeAvailable,
  setBackend,
  getBackend,
  linear,
  conv2d,
  convTranspose2d,
  maxPool2d,
  crossEntropy,
  bceWithLogits,
  concat,
  tensor,
  type DType,
} from "../../src/index.js";
import { opCases, type OpCase } from "../cases.js";
import { batchNormStressCases } from "../fused/batch-norm.cases.js";
import { gatedUnitStressCases } from "../fused/gated-unit.cases.js";
import { lstmScanStressCases } from "../fused/lstm-scan.cases.js";
import { nadeStressCases } from "../fused/nade.cases.js";
import { maskedLinearStressCases } from "../fused/masked-linear.cases.js";
import { linearActStressCases } from "../fused/linear-act.cases.js";
import {
  gemvCases,
  longRunCases,
  phasedGatherCases,
  residualCases,
  shiftedGatherCases,
} from "../native/fast-paths.cases.js";
import { contiguousData } from "../../src/ops/util.js";
import { assertClose, randomTensor } from "../helpers.js";
import { onSimd, simdPaths } from "./simd-paths.js";

const skip = nativeAvailable()
  ? false
  : "native addon not built (run `npm run build:native`); parity needs both backends";

function run(backend: "native" | "reference", c: OpCase, seed: number) {
  const prev = getBackend().name;
  setBackend(backend);
  try {
    const gen = new Generator(seed);
    const xs = c.inputs(gen, "float32");
    const out = c.fn(...xs);
    const w = randomTensor(gen, [...out.shape], { dtype: "float32", grad: false });
    if (out.requiresGrad) out.mul(w).sum().backward();
    // the values as stored (toArray's Array of the same numbers takes seconds for the 10-million-element cases)
    const grads = xs.map((x) => (x.grad ? contiguousData(x.grad) : null));
    return { out: contiguousData(out), shape: out.shape, grads };
  } finally {
    setBackend(prev);
  }
}

function compare(c: OpCase, seed = 99): void {
  const tol = c.tol ?? { atol: 1e-5, rtol: 1e-4 };
  const n = run("native", c, seed),
    r = run("reference", c, seed);
  assertClose(n.shape, r.shape, { atol: 0, rtol: 0 }, `${c.name}: shape`);
  assertClose(n.out, r.out, tol, `${c.name}: forward`);
  n.grads.forEach((g, k) => {
    if (g === null && r.grads[k] === null) return;
    assertClose(g ?? [], r.grads[k] ?? [], tol, `${c.name}: grad of input ${k}`);
  });
}

const R =
  (shape: number[], low = -2, high = 2) =>
  (gen: Generator, dtype: DType) =>
    randomTensor(gen, shape, { dtype, low, high });
const big: { atol: number; rtol: number } = { atol: 5e-4, rtol: 2e-4 };
/** PixelCNN's visible taps of a k×k kernel: rows above the centre, the centre row left of it (and it, for mask B). */
const maskTaps = (k: number, centre: boolean): number[] =>
  Array.from({ length: (k * k - 1) / 2 + (centre ? 1 : 0) }, (_, t) => t);

/** Larger and degenerate shapes on top of the gradient-check cases. */
const stressCases: OpCase[] = [
  ...(
    ["exp", "log", "tanh", "sigmoid", "logSigmoid", "softplus", "relu", "sqrt", "erf", "expm1", "log1p"] as const
  ).map((op): OpCase => ({
    name: `${op} [257,131] (threaded, SIMD tail)`,
    inputs: (g, d) => [
      randomTensor(g, [257, 131], { dtype: d, low: op === "log" || op === "sqrt" ? 0.01 : -9, high: 9 }),
    ],
    fn: (x) => (x[op] as () => Tensor).call(x),
    tol: { atol: 1e-6, rtol: 2e-6 },
  })),
  {
    name: "add broadcast row [300,129]+[129]",
    inputs: (g, d) => [R([300, 129])(g, d), R([129])(g, d)],
    fn: (a, b) => a.add(b),
  },
  {
    name: "mul broadcast column [300,1]*[300,129]",
    inputs: (g, d) => [R([300, 1])(g, d), R([300, 129])(g, d)],
    fn: (a, b) => a.mul(b),
  },
  {
    name: "div broadcast middle [7,1,9]/[7,5,1]",
    inputs: (g, d) => [R([7, 1, 9])(g, d), R([7, 5, 1], 0.5, 2)(g, d)],
    fn: (a, b) => a.div(b),
  },
  {
    name: "bceWithLogits [300,131]",
    inputs: (g, d) => [R([300, 131], -9, 9)(g, d), R([300, 131], 0, 1)(g, d)],
    fn: (z, t) => bceWithLogits(z, t, { reduction: "none" }),
    tol: { atol: 1e-5, rtol: 1e-5 },
  },
  { name: "sum axis 0 [130,257]", inputs: (g, d) => [R([130, 257])(g, d)], fn: (x) => x.sum(0), tol: big },
  { name: "sum axis 1 [130,257]", inputs: (g, d) => [R([130, 257])(g, d)], fn: (x) => x.sum(1), tol: big },
  {
    name: "sum all [3000,17]",
    inputs: (g, d) => [R([3000, 17])(g, d)],
    fn: (x) => x.sum(),
    tol: { atol: 1e-2, rtol: 1e-4 },
  },
  {
    name: "max/logSumExp [33,1000]",
    inputs: (g, d) => [R([33, 1000])(g, d)],
    fn: (x) => x.max(1).add(x.logSumExp(1)).add(x.logSumExp(0).sum()),
    tol: big,
  },
  {
    name: "softmax [37,1000]",
    inputs: (g, d) => [R([37, 1000], -5, 5)(g, d)],
    fn: (x) => x.softmax(-1).add(x.logSoftmax(-1)),
  },
  {
    name: "crossEntropy 256 classes on axis 1",
    inputs: (g, d) => [R([3, 256, 5])(g, d)],
    fn: (z) =>
      crossEntropy(
        z,
        Array.from({ length: 15 }, (_, i) => (i * 37) % 256),
        { axis: 1, reduction: "none" },
      ),
  },
  {
    name: "matmul [67,300]x[300,129]",
    inputs: (g, d) => [R([67, 300])(g, d), R([300, 129])(g, d)],
    fn: (a, b) => a.matmul(b),
    tol: big,
  },
  {
    name: "matmul MLP-like x·Wᵀ [100,784]x[500,784]ᵀ",
    inputs: (g, d) => [R([100, 784], 0, 1)(g, d), R([500, 784], -0.1, 0.1)(g, d)],
    fn: (x, w) => x.matmul(w.T),
    tol: big,
  },
  {
    name: "matmul transposed A [300,67]ᵀx[300,33]",
    inputs: (g, d) => [R([300, 67])(g, d), R([300, 33])(g, d)],
    fn: (a, b) => a.T.matmul(b),
    tol: big,
  },
  {
    name: "matmul tall-thin [601,1100]x[1100,40] (A read in place, k in blocks, threads over rows)",
    inputs: (g, d) => [R([601, 1100], -1, 1)(g, d), R([1100, 40], -1, 1)(g, d)],
    fn: (a, b) => a.matmul(b),
    tol: { atol: 2e-3, rtol: 2e-4 },
  },
  {
    name: "matmul [203,150]x[150,100] (A read in place on both x86 paths: 100 columns; a packed last row panel)",
    inputs: (g, d) => [R([203, 150], -1, 1)(g, d), R([150, 100], -1, 1)(g, d)],
    fn: (a, b) => a.matmul(b),
    tol: big,
  },
  {
    name: "matmul transposed A [150,203]ᵀx[150,100] (read in place, 100 columns)",
    inputs: (g, d) => [R([150, 203], -1, 1)(g, d), R([150, 100], -1, 1)(g, d)],
    fn: (a, b) => a.T.matmul(b),
    tol: big,
  },
  {
    name: "matmul transposed tall-thin [1100,601]ᵀx[1100,40]",
    inputs: (g, d) => [R([1100, 601], -1, 1)(g, d), R([1100, 40], -1, 1)(g, d)],
    fn: (a, b) => a.T.matmul(b),
    tol: { atol: 2e-3, rtol: 2e-4 },
  },
  {
    name: "matmul [90,700]x[700,300] (B read in place, rows 300 floats apart: k in shorter blocks)",
    inputs: (g, d) => [R([90, 700], -1, 1)(g, d), R([700, 300], -1, 1)(g, d)],
    fn: (a, b) => a.matmul(b),
    tol: { atol: 2e-3, rtol: 2e-4 },
  },
  {
    name: "matmul batched [3,17,33]x[3,33,19]",
    inputs: (g, d) => [R([3, 17, 33])(g, d), R([3, 33, 19])(g, d)],
    fn: (a, b) => a.matmul(b),
    tol: big,
  },
  {
    name: "matmul 1-element [1,1]x[1,1]",
    inputs: (g, d) => [R([1, 1])(g, d), R([1, 1])(g, d)],
    fn: (a, b) => a.matmul(b),
  },
  { name: "matmul empty [0,4]x[4,3]", inputs: (g, d) => [R([0, 4])(g, d), R([4, 3])(g, d)], fn: (a, b) => a.matmul(b) },
  { name: "matmul k=0 [3,0]x[0,2]", inputs: (g, d) => [R([3, 0])(g, d), R([0, 2])(g, d)], fn: (a, b) => a.matmul(b) },
  { name: "add empty [0,5]+[5]", inputs: (g, d) => [R([0, 5])(g, d), R([5])(g, d)], fn: (a, b) => a.add(b) },
  { name: "sum of empty axis [0,3]", inputs: (g, d) => [R([0, 3])(g, d)], fn: (x) => x.sum(0) },
  {
    name: "concat with empty piece",
    inputs: (g, d) => [R([2, 0])(g, d), R([2, 3])(g, d)],
    fn: (a, b) => concat([a!, b!], 1),
  },
  {
    name: "conv2d 5x5 [4,3,28,28] (threads over images)",
    inputs: (g, d) => [R([4, 3, 28, 28])(g, d), R([8, 3, 5, 5], -0.3, 0.3)(g, d), R([8])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { padding: 2 }),
    tol: big,
  },
  {
    name: "conv2d batch 1 [1,16,14,14]",
    inputs: (g, d) => [R([1, 16, 14, 14])(g, d), R([32, 16, 3, 3], -0.2, 0.2)(g, d)],
    fn: (x, w) => conv2d(x!, w!, null, { padding: 1 }),
    tol: big,
  },
  {
    name: "convTranspose2d DCGAN-like [3,16,7,7]",
    inputs: (g, d) => [R([3, 16, 7, 7])(g, d), R([16, 8, 4, 4], -0.2, 0.2)(g, d)],
    fn: (x, w) => convTranspose2d(x!, w!, null, { stride: 2, padding: 1 }),
    tol: big,
  },
  {
    name: "conv2d small outputs [13,8,7,7]→24, 3x3 (images grouped side by side, threads over groups)",
    inputs: (g, d) => [R([13, 8, 7, 7])(g, d), R([24, 8, 3, 3], -0.3, 0.3)(g, d), R([24])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { padding: 1 }),
    tol: big,
  },
  {
    name: "conv2d 1x1 small outputs [11,16,5,5]→8 (grouped pointwise)",
    inputs: (g, d) => [R([11, 16, 5, 5])(g, d), R([8, 16, 1, 1], -0.3, 0.3)(g, d)],
    fn: (x, w) => conv2d(x!, w!),
    tol: big,
  },
  {
    name: "conv2d 7x7 mask-A taps [4,1,28,28]→16 (threads over images)",
    inputs: (g, d) => [R([4, 1, 28, 28])(g, d), R([16, 1, 7, 7], -0.3, 0.3)(g, d), R([16])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { padding: 3, taps: maskTaps(7, false) }),
    tol: big,
  },
  {
    name: "conv2d 3x3 mask-B taps batch 1 [1,32,28,28]→32 (threads in the GEMM)",
    inputs: (g, d) => [R([1, 32, 28, 28])(g, d), R([32, 32, 3, 3], -0.2, 0.2)(g, d)],
    fn: (x, w) => conv2d(x!, w!, null, { padding: 1, taps: maskTaps(3, true) }),
    tol: big,
  },
  {
    name: "conv2d 1x1 fused ReLUs in and out [4,16,28,28]→8 (pointwise straight on NCHW, threads over images)",
    inputs: (g, d) => [R([4, 16, 28, 28])(g, d), R([8, 16, 1, 1], -0.3, 0.3)(g, d), R([8])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { preActivation: "relu", activation: "relu" }),
    tol: big,
  },
  {
    name: "conv2d 3x3 mask-B taps, fused ReLUs, small outputs [13,8,7,7]→24 (grouped side by side)",
    inputs: (g, d) => [R([13, 8, 7, 7])(g, d), R([24, 8, 3, 3], -0.3, 0.3)(g, d), R([24])(g, d)],
    fn: (x, w, b) =>
      conv2d(x!, w!, b!, { padding: 1, taps: maskTaps(3, true), preActivation: "relu", activation: "relu" }),
    tol: big,
  },
  {
    name: "conv2d 1x1 fused input ReLU, small outputs [11,16,5,5]→8 (grouped pointwise)",
    inputs: (g, d) => [R([11, 16, 5, 5])(g, d), R([8, 16, 1, 1], -0.3, 0.3)(g, d)],
    fn: (x, w) => conv2d(x!, w!, null, { preActivation: "relu" }),
    tol: big,
  },
  {
    name: "conv2d DCGAN-like 4x4 stride 2 with bias [9,8,14,14]→16 (grouped, one-pass gradients)",
    inputs: (g, d) => [R([9, 8, 14, 14])(g, d), R([16, 8, 4, 4], -0.2, 0.2)(g, d), R([16])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1 }),
    tol: big,
  },
  {
    // 1,024 column-matrix rows of 49 pixels: groups capped at 3 images by the matrix's size, 13 images in uneven groups
    name: "conv2d 4x4 stride 2, 64 channels [13,64,14,14]→8, leaky ReLU out (groups capped by the columns' bytes)",
    inputs: (g, d) => [R([13, 64, 14, 14])(g, d), R([8, 64, 4, 4], -0.05, 0.05)(g, d), R([8])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1, activation: "leaky-relu", slope: 0.2 }),
    tol: big,
  },
  // strided convolutions over narrow images (rows of at most 32 floats with AVX-512, 16 with AVX2) gather each output
  // row as one permutation of an image row; wider ones from a zero-padded copy of the image: uneven strides,
  // paddings and dilations
  {
    name: "conv2d 3x3 stride [2,3] padding [2,1] dilation [2,1], fused ReLUs [5,6,15,13]→10 (padded gather)",
    inputs: (g, d) => [R([5, 6, 15, 13])(g, d), R([10, 6, 3, 3], -0.2, 0.2)(g, d), R([10])(g, d)],
    fn: (x, w, b) =>
      conv2d(x!, w!, b!, {
        stride: [2, 3],
        padding: [2, 1],
        dilation: [2, 1],
        preActivation: "relu",
        activation: "relu",
      }),
    tol: big,
  },
  {
    name: "conv2d 3x3 mask-B taps stride 2 [3,8,9,9]→8 (padded gather over live taps)",
    inputs: (g, d) => [R([3, 8, 9, 9])(g, d), R([8, 8, 3, 3], -0.2, 0.2)(g, d)],
    fn: (x, w) => conv2d(x!, w!, null, { stride: 2, padding: 1, taps: maskTaps(3, true) }),
    tol: big,
  },
  {
    name: "conv2d 4x4 stride 2 [4,3,40,40]→8 (padded gather, threads over images)",
    inputs: (g, d) => [R([4, 3, 40, 40])(g, d), R([8, 3, 4, 4], -0.2, 0.2)(g, d), R([8])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1 }),
    tol: big,
  },
  {
    name: "conv2d 4x4 stride 2, fused ReLUs [5,6,28,28]→7 (rows of 28: two-register permutation, or padded gather)",
    inputs: (g, d) => [R([5, 6, 28, 28])(g, d), R([7, 6, 4, 4], -0.2, 0.2)(g, d), R([7])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1, preActivation: "relu", activation: "relu" }),
    tol: big,
  },
  {
    name: "conv2d 3x3 stride 2 [3,5,32,32]→6 (the widest permuted rows: 32 floats in, 16 out)",
    inputs: (g, d) => [R([3, 5, 32, 32])(g, d), R([6, 5, 3, 3], -0.2, 0.2)(g, d)],
    fn: (x, w) => conv2d(x!, w!, null, { stride: 2, padding: 1 }),
    tol: big,
  },
  {
    name: "conv2d 3x3 stride 2 [3,5,17,17]→6 (one float past AVX2's permuted rows)",
    inputs: (g, d) => [R([3, 5, 17, 17])(g, d), R([6, 5, 3, 3], -0.2, 0.2)(g, d)],
    fn: (x, w) => conv2d(x!, w!, null, { stride: 2 }),
    tol: big,
  },
  {
    name: "convTranspose2d 4x4 stride 2 [6,8,14,14]→3 (DCGAN's last layer: col2im onto rows of 28)",
    inputs: (g, d) => [R([6, 8, 14, 14])(g, d), R([8, 3, 4, 4], -0.2, 0.2)(g, d), R([3])(g, d)],
    fn: (x, w, b) => convTranspose2d(x!, w!, b!, { stride: 2, padding: 1 }),
    tol: big,
  },
  // strided convolutions whose channel counts are multiples of 32 run channels-last as implicit GEMMs on every path
  // (no column matrix; pixels in panels of 6 or 8, so 5 x 49 pixels end in a partial panel)
  {
    name: "conv2d 4x4 stride 2 channels-last [5,32,14,14]→64, leaky ReLU out (implicit GEMM, partial pixel panel)",
    inputs: (g, d) => [R([5, 32, 14, 14])(g, d), R([64, 32, 4, 4], -0.1, 0.1)(g, d), R([64])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1, activation: "leaky-relu", slope: 0.2 }),
    tol: big,
  },
  {
    name: "conv2d 3x3 mask-B taps stride [2,3] dilation 2, fused ReLUs [3,32,11,9]→32 (channels-last, live taps)",
    inputs: (g, d) => [R([3, 32, 11, 9])(g, d), R([32, 32, 3, 3], -0.1, 0.1)(g, d), R([32])(g, d)],
    fn: (x, w, b) =>
      conv2d(x!, w!, b!, {
        stride: [2, 3],
        padding: 2,
        dilation: 2,
        taps: maskTaps(3, true),
        preActivation: "relu",
        activation: "relu",
      }),
    tol: big,
  },
  {
    name: "convTranspose2d 4x4 stride 2 [4,64,7,7]→32 (DCGAN generator: its transposed convolution, channels-last)",
    inputs: (g, d) => [R([4, 64, 7, 7])(g, d), R([64, 32, 4, 4], -0.1, 0.1)(g, d), R([32])(g, d)],
    fn: (x, w, b) => convTranspose2d(x!, w!, b!, { stride: 2, padding: 1 }),
    tol: big,
  },
  {
    name: "convTranspose2d 3x3 stride 2 output padding 1 [3,8,7,6]→5 (padded scatter)",
    inputs: (g, d) => [R([3, 8, 7, 6])(g, d), R([8, 5, 3, 3], -0.2, 0.2)(g, d), R([5])(g, d)],
    fn: (x, w, b) => convTranspose2d(x!, w!, b!, { stride: 2, padding: 1, outputPadding: 1 }),
    tol: big,
  },
  {
    name: "conv2d 3x3 batch 1 [1,48,27,27]→40, 58 MFLOP (two threads split the GEMM's packed column panels)",
    inputs: (g, d) => [R([1, 48, 27, 27])(g, d), R([40, 48, 3, 3], -0.1, 0.1)(g, d), R([40])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { padding: 1 }),
    tol: big,
  },
  {
    name: "conv2d 3x3 mask-B fused output ReLU batch 1 [1,32,28,28]→32 (threads in the GEMM)",
    inputs: (g, d) => [R([1, 32, 28, 28])(g, d), R([32, 32, 3, 3], -0.2, 0.2)(g, d), R([32])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { padding: 1, taps: maskTaps(3, true), activation: "relu" }),
    tol: big,
  },
  { name: "maxPool2d [3,5,28,28]", inputs: (g, d) => [R([3, 5, 28, 28])(g, d)], fn: (x) => maxPool2d(x, 2) },
  {
    name: "permute copy [40,50,30]",
    inputs: (g, d) => [R([40, 50, 30])(g, d)],
    fn: (x) => x.permute(2, 0, 1).contiguous().mul(2),
  },
];

// every case on every instruction-set path the CPU supports
for (const isa of simdPaths()) {
  for (const c of [
    ...opCases,
    ...stressCases,
    ...nadeStressCases,
    ...lstmScanStressCases,
    ...maskedLinearStressCases,
    ...linearActStressCases,
    ...batchNormStressCases,
    ...gatedUnitStressCases,
    ...shiftedGatherCases,
    ...phasedGatherCases,
    ...gemvCases,
    ...residualCases,
    ...longRunCases,
  ]) {
    const atol = (c.tol ?? { atol: 1e-5 }).atol;
    const rtol = (c.tol ?? { rtol: 1e-4 }).rtol;
    test(`parity native (${isa}) vs reference: ${c.name} (tolerance atol ${atol}, rtol ${rtol})`, { skip }, () =>
      onSimd(isa, () => compare(c)),
    );
  }
}

test("parity native vs reference: linear [100,784]·[500,784]ᵀ + b (atol 5e-4, rtol 2e-4)", { skip }, () => {
  compare({
    name: "linear big",
    inputs: (g, d) => [R([100, 784], 0, 1)(g, d), R([500, 784], -0.1, 0.1)(g, d), R([500])(g, d)],
    fn: (x, w, b) => linear(x!, w!, b!),
    tol: big,
  });
});

for (const isa of simdPaths()) {
  test(
    `conv2d with taps (${isa}) = full conv2d of the masked weight; dead taps get zero gradient (atol 1e-4)`,
    { skip },
    () =>
      onSimd(isa, () => {
        setBackend("native");
        const gen = new Generator(5);
        const x = randomTensor(gen, [3, 4, 9, 8], { dtype: "float32" });
        const w = randomTensor(gen, [5, 4, 3, 3], { dtype: "float32", grad: true });
        const taps = [0, 1, 2, 3, 4];
        const mask = tensor(
          Array.from({ length: 9 }, (_, t) => (taps.includes(t) ? 1 : 0)),
          [1, 1, 3, 3],
        );
        const full = conv2d(x, w.mul(mask), null, { padding: 1 });
        const masked = conv2d(x, w, null, { padding: 1, taps });
        assertClose(masked.toArray(), full.toArray(), { atol: 1e-4, rtol: 1e-4 }, "forward");
        masked.sum().backward();
        const gw = w.grad!.toArray();
        gw.forEach((v, i) => {
          if (!taps.includes(i % 9)) assert.equal(v, 0, `dead tap ${i % 9} gradient`);
        });
        assert.ok(
          gw.some((v) => v !== 0),
          "live taps get gradient",
        );
      }),
  );
}
