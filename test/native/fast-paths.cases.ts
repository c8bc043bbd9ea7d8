/**
 * Parity cases (native vs reference, every instruction-set path: test/backend/parity.test.ts runs them) for two
 * native fast paths:
 * - stride-1 convolutions whose output rows are as wide as the input's gather each tap as one shifted run of the
 *   image and zero the wrapped columns (native/kernels/conv-gather.h): output heights other than the input's,
 *   dilations, taps whose rows or columns fall wholly outside a tiny image, 1×k kernels, fused ReLUs;
 * - products with one row or one column of C run as dot products or row updates (native/kernels/gemm.cc `gemv`):
 *   every storage order of both operands, a 1-output convolution and linear layer, and sizes that thread;
 * - strided convolutions gather from a padded copy of the image split into column phases, one vector run per output
 *   row (native/kernels/conv-gather.h): outputs narrower than a vector (one store a row, the last masked), tap
 *   blocks shorter than one vector, rows of 8 and of 17 (whole vectors and a masked tail), strides wider than the
 *   image, dilations, live taps, input ReLU, output leaky ReLU, a group of images that fills its column matrix's
 *   rows exactly (the last image may not spill past them), groups of images sharing a weight packed once (a
 *   depth of several GEMM blocks, a row count that is not a whole panel), the stride-2 split of the padded copy
 *   (rows of 37 and of 3, padding 0 and 2, stride 2 across columns only), 29 images in groups; transposed
 *   convolutions run the same code as their scatter;
 * - conv2d's `residual`, added onto the output as the GEMM accumulates (native/kernels/conv.cc): pointwise, masked,
 *   with an input ReLU, grouped small outputs, and threads over images; its gradient is the output's;
 * - strided copies that are one long run (native/kernels/movement.cc), split across threads: a value expanded to a
 *   whole tensor, every other value of a vector, and the run's adjoint.
 */
import { conv2d, convTranspose2d, linear, type DType, type Generator } from "../../src/index.js";
import type { OpCase } from "../cases.js";
import { randomTensor } from "../helpers.js";

const R =
  (shape: number[], low = -2, high = 2) =>
  (gen: Generator, dtype: DType) =>
    randomTensor(gen, shape, { dtype, low, high });
// float32 sums of up to a few hundred terms of size ~1 against float64 sums
const tol = { atol: 5e-4, rtol: 2e-4 };
/** PixelCNN's visible taps of a kh×kw kernel: rows above the centre, the centre row left of it (and it, for B). */
const maskTaps = (kh: number, kw: number, centre: boolean): number[] =>
  Array.from({ length: Math.floor((kh * kw) / 2) + (centre ? 1 : 0) }, (_, t) => t);

export const shiftedGatherCases: OpCase[] = [
  {
    name: "conv2d 3x3 padding [0,1] [3,5,9,11]→6 (shifted gather; output 7 rows of 9)",
    inputs: (g, d) => [R([3, 5, 9, 11])(g, d), R([6, 5, 3, 3], -0.3, 0.3)(g, d), R([6])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { padding: [0, 1] }),
    tol,
  },
  {
    name: "conv2d 3x3 dilation 2 padding 2, mask-B taps, fused ReLUs [2,4,10,9]→5 (shifted gather, dilated)",
    inputs: (g, d) => [R([2, 4, 10, 9])(g, d), R([5, 4, 3, 3], -0.3, 0.3)(g, d), R([5])(g, d)],
    fn: (x, w, b) =>
      conv2d(x!, w!, b!, {
        padding: 2,
        dilation: 2,
        taps: maskTaps(3, 3, true),
        preActivation: "relu",
        activation: "relu",
      }),
    tol,
  },
  {
    name: "conv2d 5x5 padding 2 on 2x2 images [3,3,2,2]→4 (taps wholly outside the image, grouped)",
    inputs: (g, d) => [R([3, 3, 2, 2])(g, d), R([4, 3, 5, 5], -0.3, 0.3)(g, d)],
    fn: (x, w) => conv2d(x!, w!, null, { padding: 2 }),
    tol,
  },
  {
    name: "conv2d 1x3 mask-B taps padding [0,1], input ReLU [2,6,5,13]→7 (Row LSTM's input-to-state shape)",
    inputs: (g, d) => [R([2, 6, 5, 13])(g, d), R([7, 6, 1, 3], -0.3, 0.3)(g, d), R([7])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { padding: [0, 1], taps: maskTaps(1, 3, true), preActivation: "relu" }),
    tol,
  },
  {
    name: "conv2d 7x7 mask-A taps fused output ReLU [2,3,28,28]→9 (shifted gather, threads over images)",
    inputs: (g, d) => [R([2, 3, 28, 28])(g, d), R([9, 3, 7, 7], -0.2, 0.2)(g, d), R([9])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { padding: 3, taps: maskTaps(7, 7, false), activation: "relu" }),
    tol,
  },
  // Stride-1 convolutions with at least 8 input channels and 256 output pixels read their taps in place from a
  // padded copy (no column matrix; native/kernels/conv-stride1.h) when every thread has an image; with at least 16
  // input channels the input gradient runs as the convolution of the output gradient with the kernel mirrored (in
  // place too when the output has 8 channels or more, through a column matrix otherwise).
  {
    name: "conv2d 3x3 mask-B taps, fused ReLUs [2,16,16,17]→5 (in place; mirrored input gradient via columns)",
    inputs: (g, d) => [R([2, 16, 16, 17])(g, d), R([5, 16, 3, 3], -0.3, 0.3)(g, d), R([5])(g, d)],
    fn: (x, w, b) =>
      conv2d(x!, w!, b!, { padding: 1, taps: maskTaps(3, 3, true), preActivation: "relu", activation: "relu" }),
    tol,
  },
  {
    name: "conv2d 3x3 padding [0,1] [3,17,18,16]→9 (in place, output 16 rows of 16; mirrored in place, padded [2,1])",
    inputs: (g, d) => [R([3, 17, 18, 16])(g, d), R([9, 17, 3, 3], -0.3, 0.3)(g, d)],
    fn: (x, w) => conv2d(x!, w!, null, { padding: [0, 1] }),
    tol,
  },
  {
    name: "conv2d 5x3 dilation [2,1] padding [3,1] [2,20,21,19]→8, leaky output (in place both ways, dilated)",
    inputs: (g, d) => [R([2, 20, 21, 19])(g, d), R([8, 20, 5, 3], -0.2, 0.2)(g, d), R([8])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { padding: [3, 1], dilation: [2, 1], activation: "leaky-relu", slope: 0.1 }),
    tol,
  },
  {
    name: "conv2d 2x3 padding [1,1] + residual, input ReLU [2,10,16,18]→10 (in place: residual and bias added)",
    inputs: (g, d) => [
      R([2, 10, 16, 18])(g, d),
      R([10, 10, 2, 3], -0.3, 0.3)(g, d),
      R([10])(g, d),
      R([2, 10, 17, 18])(g, d),
    ],
    fn: (x, w, b, r) => conv2d(x!, w!, b!, { padding: [1, 1], preActivation: "relu", residual: r! }),
    tol,
  },
  {
    name: "conv2d 5x3 dilation [2,1] padding [3,1] [1,20,21,19]→6 (one image: columns, threads in the product)",
    inputs: (g, d) => [R([1, 20, 21, 19])(g, d), R([6, 20, 5, 3], -0.2, 0.2)(g, d), R([6])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { padding: [3, 1], dilation: [2, 1] }),
    tol,
  },
];

export const phasedGatherCases: OpCase[] = [
  {
    name: "conv2d 3x3 stride 2 [3,4,4,5]→6 (output 2x3: a tap's block is shorter than one vector)",
    inputs: (g, d) => [R([3, 4, 4, 5])(g, d), R([6, 4, 3, 3], -0.3, 0.3)(g, d), R([6])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1 }),
    tol,
  },
  {
    name: "conv2d 2x3 stride [1,3] padding [0,2] [2,3,5,22]→4, input ReLU (rows of exactly 8)",
    inputs: (g, d) => [R([2, 3, 5, 22])(g, d), R([4, 3, 2, 3], -0.3, 0.3)(g, d), R([4])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: [1, 3], padding: [0, 2], preActivation: "relu" }),
    tol,
  },
  {
    name: "conv2d 3x3 stride 2 dilation [1,2] mask-B taps [2,5,6,36]→3 (rows of 17: two vectors and a masked tail)",
    inputs: (g, d) => [R([2, 5, 6, 36])(g, d), R([3, 5, 3, 3], -0.3, 0.3)(g, d)],
    fn: (x, w) => conv2d(x!, w!, null, { stride: 2, padding: 1, dilation: [1, 2], taps: maskTaps(3, 3, true) }),
    tol,
  },
  {
    name: "conv2d 2x2 stride 4 padding 1 on 2-column images [3,2,7,2]→5 (stride wider than the image)",
    inputs: (g, d) => [R([3, 2, 7, 2])(g, d), R([5, 2, 2, 2], -0.3, 0.3)(g, d), R([5])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 4, padding: 1 }),
    tol,
  },
  {
    name: "conv2d 4x4 stride 2 [16,3,8,8]→5, input ReLU (16 images of 4x4 side by side: no spare column after them)",
    inputs: (g, d) => [R([16, 3, 8, 8])(g, d), R([5, 3, 4, 4], -0.3, 0.3)(g, d), R([5])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1, preActivation: "relu" }),
    tol,
  },
  {
    name: "conv2d 4x4 stride 2 [16,1,28,28]→64, output leaky ReLU(0.2) (DCGAN's first D layer, threads over images)",
    inputs: (g, d) => [R([16, 1, 28, 28])(g, d), R([64, 1, 4, 4], -0.3, 0.3)(g, d), R([64])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1, activation: "leaky-relu", slope: 0.2 }),
    tol,
  },
  {
    name: "conv2d 4x4 stride 2 [3,4,4,5]→6, output leaky ReLU(0.3) (grouped: the mask on the gathered gradient)",
    inputs: (g, d) => [R([3, 4, 4, 5])(g, d), R([6, 4, 4, 4], -0.3, 0.3)(g, d), R([6])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1, activation: "leaky-relu", slope: 0.3 }),
    tol,
  },
  {
    // 72·16 = 1,152 steps of depth: more than one block of the GEMM's, through the weight packed once for all groups
    name: "conv2d 4x4 stride 2 [13,72,14,14]→12 (groups of 7x7 outputs sharing one packed weight of 12 rows)",
    inputs: (g, d) => [R([13, 72, 14, 14])(g, d), R([12, 72, 4, 4], -0.1, 0.1)(g, d), R([12])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1 }),
    tol,
  },
  {
    // the phase split of stride 2 on rows that are not whole vectors (37 floats); no padding, so the last row's
    // copy may not spill into the next phase
    name: "conv2d 3x3 stride 2 [3,3,5,37]→4, input ReLU (stride-2 split: 37-float rows, no padding)",
    inputs: (g, d) => [R([3, 3, 5, 37])(g, d), R([4, 3, 3, 3], -0.3, 0.3)(g, d), R([4])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, preActivation: "relu" }),
    tol,
  },
  {
    name: "conv2d 2x2 stride 2 padding 2 [2,3,6,3]→5 (stride-2 split into phase rows of 4, shorter than a vector)",
    inputs: (g, d) => [R([2, 3, 6, 3])(g, d), R([5, 3, 2, 2], -0.3, 0.3)(g, d), R([5])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 2 }),
    tol,
  },
  {
    name: "conv2d 3x2 stride [1,2] padding [1,0] [2,3,4,16]→3 (stride 2 across columns only, rows of 16)",
    inputs: (g, d) => [R([2, 3, 4, 16])(g, d), R([3, 3, 3, 2], -0.3, 0.3)(g, d), R([3])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: [1, 2], padding: [1, 0] }),
    tol,
  },
  {
    // 7x7 outputs in groups of at least 6 images: 29 images do not split into whole groups (nor, with two threads,
    // into equal shares); 11 output rows are not a whole register tile
    name: "conv2d 4x4 stride 2 [29,20,14,15]→11 (groups of 7x7 outputs of an odd-width image, cut evenly)",
    inputs: (g, d) => [R([29, 20, 14, 15])(g, d), R([11, 20, 4, 4], -0.2, 0.2)(g, d), R([11])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: 2, padding: 1 }),
    tol,
  },
  {
    name: "convTranspose2d 4x4 stride 2 [6,16,7,7]→8 (DCGAN's generator layer: the phased scatter, grouped)",
    inputs: (g, d) => [R([6, 16, 7, 7])(g, d), R([16, 8, 4, 4], -0.2, 0.2)(g, d), R([8])(g, d)],
    fn: (x, w, b) => convTranspose2d(x!, w!, b!, { stride: 2, padding: 1 }),
    tol,
  },
];

export const gemvCases: OpCase[] = [
  {
    name: "matmul one row [1,300]x[300,129] (row updates)",
    inputs: (g, d) => [R([1, 300])(g, d), R([300, 129])(g, d)],
    fn: (a, b) => a!.matmul(b!),
    tol,
  },
  {
    name: "matmul one row, transposed B [1,300]x[129,300]ᵀ (dot products)",
    inputs: (g, d) => [R([1, 300])(g, d), R([129, 300])(g, d)],
    fn: (a, b) => a!.matmul(b!.T),
    tol,
  },
  {
    name: "matmul one row, transposed A [300,1]ᵀx[300,37] (A gathered with a stride)",
    inputs: (g, d) => [R([300, 1])(g, d), R([300, 37])(g, d)],
    fn: (a, b) => a!.T.matmul(b!),
    tol,
  },
  {
    name: "matmul one column [67,300]x[300,1] (dot products)",
    inputs: (g, d) => [R([67, 300])(g, d), R([300, 1])(g, d)],
    fn: (a, b) => a!.matmul(b!),
    tol,
  },
  {
    name: "matmul one column, transposed A [300,67]ᵀx[300,1] (row updates)",
    inputs: (g, d) => [R([300, 67])(g, d), R([300, 1])(g, d)],
    fn: (a, b) => a!.T.matmul(b!),
    tol,
  },
  {
    name: "matmul one column, transposed B [67,45]x[1,45]ᵀ",
    inputs: (g, d) => [R([67, 45])(g, d), R([1, 45])(g, d)],
    fn: (a, b) => a!.matmul(b!.T),
    tol,
  },
  {
    name: "matmul one column [2600,4100]x[4100,1], 21 MFLOP (threads split the rows)",
    inputs: (g, d) => [R([2600, 4100], -1, 1)(g, d), R([4100, 1], -1, 1)(g, d)],
    fn: (a, b) => a!.matmul(b!),
    tol: { atol: 2e-3, rtol: 2e-4 },
  },
  {
    name: "linear to one output [64,6272]→1 (DCGAN's discriminator head: both gradients are one-row products)",
    inputs: (g, d) => [R([64, 6272], -1, 1)(g, d), R([1, 6272], -0.05, 0.05)(g, d), R([1])(g, d)],
    fn: (x, w, b) => linear(x!, w!, b!),
    tol: { atol: 2e-3, rtol: 2e-4 },
  },
  {
    name: "conv2d 1x1 to one channel [3,64,28,28]→1 (PixelCNN's last layer: gemv forward and weight gradient)",
    inputs: (g, d) => [R([3, 64, 28, 28])(g, d), R([1, 64, 1, 1], -0.2, 0.2)(g, d), R([1])(g, d)],
    fn: (x, w, b) => conv2d(x!, w!, b!),
    tol,
  },
];

export const residualCases: OpCase[] = [
  {
    name: "conv2d 1x1 + residual [4,16,28,28]→32 with bias (PixelCNN block's last layer, threads over images)",
    inputs: (g, d) => [
      R([4, 16, 28, 28])(g, d),
      R([32, 16, 1, 1], -0.3, 0.3)(g, d),
      R([32])(g, d),
      R([4, 32, 28, 28])(g, d),
    ],
    fn: (x, w, b, r) => conv2d(x!, w!, b!, { residual: r! }),
    tol,
  },
  {
    name: "conv2d 3x3 mask-B taps, input ReLU, + residual, no bias [2,6,9,9]→6",
    inputs: (g, d) => [R([2, 6, 9, 9])(g, d), R([6, 6, 3, 3], -0.3, 0.3)(g, d), R([2, 6, 9, 9])(g, d)],
    fn: (x, w, r) =>
      conv2d(x!, w!, null, { padding: 1, taps: maskTaps(3, 3, true), preActivation: "relu", residual: r! }),
    tol,
  },
  {
    name: "conv2d 4x4 stride 2 + residual, small outputs [9,5,14,14]→7 (grouped side by side)",
    inputs: (g, d) => [R([9, 5, 14, 14])(g, d), R([7, 5, 4, 4], -0.2, 0.2)(g, d), R([7])(g, d), R([9, 7, 7, 7])(g, d)],
    fn: (x, w, b, r) => conv2d(x!, w!, b!, { stride: 2, padding: 1, residual: r! }),
    tol,
  },
  {
    name: "conv2d 4x4 stride 2 + residual, input ReLU [3,32,14,14]→32 (channels-last implicit GEMM)",
    inputs: (g, d) => [
      R([3, 32, 14, 14])(g, d),
      R([32, 32, 4, 4], -0.1, 0.1)(g, d),
      R([32])(g, d),
      R([3, 32, 7, 7])(g, d),
    ],
    fn: (x, w, b, r) => conv2d(x!, w!, b!, { stride: 2, padding: 1, preActivation: "relu", residual: r! }),
    tol,
  },
];

/** 90,000 values in one run of a strided copy (a vector's pieces on separate threads); too large for the gradcheck. */
export const longRunCases: OpCase[] = [
  {
    name: "expand one value to [300,300] (one run of stride 0)",
    inputs: (g, d) => [R([1, 1])(g, d), R([300, 300])(g, d)],
    fn: (a, b) => a!.expand(300, 300).exp().mul(b!),
    tol,
  },
  {
    name: "slice [1:180001:2] of a vector (one run of stride 2, and its adjoint)",
    inputs: (g, d) => [R([180001])(g, d)],
    fn: (x) => x!.slice(0, 1, 180001, 2).exp(),
    tol,
  },
];
