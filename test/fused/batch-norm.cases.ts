/**
 * Batch normalisation's fused op as test cases: the float64 gradient check and native-vs-reference parity run
 * `batchNormCases` (through test/cases.ts), with and without the fused ReLU / leaky ReLU; `batchNormStressCases` add
 * parity on DCGAN's shapes (SIMD tails, enough values to use threads, a mean far from zero) with DCGAN's activations.
 */
import { batchNormTrain, type DType, type Generator, type Tensor } from "../../src/index.js";
import type { BatchNormActivation } from "../../src/fused/batch-norm/index.js";
import type { OpCase } from "../cases.js";
import { randomTensor } from "../helpers.js";

/** x [N, C, ...] with values in [low, high], then weight and bias [C] (weight away from zero). */
const bnInputs =
  (shape: number[], low = -1, high = 1, affine = true) =>
  (g: Generator, d: DType): Tensor[] => [
    randomTensor(g, shape, { dtype: d, low, high }),
    ...(affine
      ? [randomTensor(g, [shape[1]!], { dtype: d, low: 0.5, high: 1.5 }), randomTensor(g, [shape[1]!], { dtype: d })]
      : []),
  ];

const bn = (x: Tensor, w: Tensor | undefined, b: Tensor | undefined, act: BatchNormActivation = {}): Tensor =>
  batchNormTrain(x, w ?? null, b ?? null, 1e-5, act).y;

const relu = { activation: "relu" } as const;
/** A slope far from 0 and 1 and unlike DCGAN's 0.2, so a backward that ignores or hard-codes it fails. */
const leaky = { activation: "leaky-relu", slope: 0.3 } as const;

export const batchNormCases: OpCase[] = [
  {
    name: "batchNorm [3,4,2,3] (2d, gradient through the batch statistics)",
    inputs: bnInputs([3, 4, 2, 3]),
    fn: (x, w, b) => bn(x!, w, b),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  {
    name: "batchNorm [5,3] (1d), no weight or bias",
    inputs: bnInputs([5, 3], -1, 1, false),
    fn: (x) => bn(x!, undefined, undefined),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  // half the outputs fall on each side of the kink (zero mean), so the masks are tested both ways
  {
    name: "batchNorm + ReLU [3,4,2,3] (2d)",
    inputs: bnInputs([3, 4, 2, 3]),
    fn: (x, w, b) => bn(x!, w, b, relu),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  {
    name: "batchNorm + leaky ReLU(0.3) [3,4,2,3] (2d)",
    inputs: bnInputs([3, 4, 2, 3]),
    fn: (x, w, b) => bn(x!, w, b, leaky),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  {
    name: "batchNorm + ReLU [6,5] (1d)",
    inputs: bnInputs([6, 5]),
    fn: (x, w, b) => bn(x!, w, b, relu),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  {
    name: "batchNorm + leaky ReLU(0.3) [6,5] (1d), no weight or bias",
    inputs: bnInputs([6, 5], -1, 1, false),
    fn: (x) => bn(x!, undefined, undefined, leaky),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
];

export const batchNormStressCases: OpCase[] = [
  {
    // S = 49: vector tails; 64·128·49 values: channels split across threads; mean ≈ 3 tests the centring
    name: "batchNorm DCGAN D [64,128,7,7], values in [2,4]",
    inputs: bnInputs([64, 128, 7, 7], 2, 4),
    fn: (x, w, b) => bn(x!, w, b),
    tol: { atol: 2e-4, rtol: 2e-4 },
  },
  {
    name: "batchNorm DCGAN G [64,6272] (1d)",
    inputs: bnInputs([64, 6272]),
    fn: (x, w, b) => bn(x!, w, b),
    tol: { atol: 2e-4, rtol: 2e-4 },
  },
  {
    name: "batchNorm + leaky ReLU(0.2) DCGAN D [64,128,7,7], values in [2,4]",
    inputs: bnInputs([64, 128, 7, 7], 2, 4),
    fn: (x, w, b) => bn(x!, w, b, { activation: "leaky-relu", slope: 0.2 }),
    tol: { atol: 2e-4, rtol: 2e-4 },
  },
  {
    name: "batchNorm + ReLU DCGAN G [64,64,14,14]",
    inputs: bnInputs([64, 64, 14, 14]),
    fn: (x, w, b) => bn(x!, w, b, relu),
    tol: { atol: 2e-4, rtol: 2e-4 },
  },
  {
    name: "batchNorm + ReLU DCGAN G [64,6272] (1d)",
    inputs: bnInputs([64, 6272]),
    fn: (x, w, b) => bn(x!, w, b, relu),
    tol: { atol: 2e-4, rtol: 2e-4 },
  },
  {
    name: "batchNorm + leaky ReLU(0.3) [37,19] (1d, odd sizes)",
    inputs: bnInputs([37, 19]),
    fn: (x, w, b) => bn(x!, w, b, leaky),
    tol: { atol: 2e-4, rtol: 2e-4 },
  },
];
