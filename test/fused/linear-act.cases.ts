/**
 * The fused linear layer with activation as test cases: the float64 gradient check and native-vs-reference parity
 * run `linearActCases` (through test/cases.ts); `linearActStressCases` add parity on every instruction-set path for
 * shapes with partial micro-tiles, several k blocks and enough work to use threads.
 */
import type { DType, Generator, Tensor } from "../../src/index.js";
import { linearActivation, type LinearActivation } from "../../src/fused/linear-act/index.js";
import type { OpCase } from "../cases.js";
import { randomTensor } from "../helpers.js";

/** x [...batch, k] and W [n, k] (and bias [n]) require grad. */
const inputs =
  (batch: number[], k: number, n: number, bias: boolean) =>
  (g: Generator, d: DType): Tensor[] => [
    randomTensor(g, [...batch, k], { dtype: d }),
    randomTensor(g, [n, k], { dtype: d, low: -0.5, high: 0.5 }),
    ...(bias ? [randomTensor(g, [n], { dtype: d })] : []),
  ];

const fn =
  (act: LinearActivation) =>
  (x?: Tensor, w?: Tensor, b?: Tensor): Tensor =>
    linearActivation(x!, w!, b ?? null, act);

export const linearActCases: OpCase[] = [
  { name: "linearActivation tanh [3,2,5]→4 + bias", inputs: inputs([3, 2], 5, 4, true), fn: fn("tanh") },
  { name: "linearActivation relu [4,6]→3", inputs: inputs([4], 6, 3, false), fn: fn("relu") },
  { name: "linearActivation none [5,3]→4 + bias", inputs: inputs([5], 3, 4, true), fn: fn(null) },
];

// tolerances: float32 sums of up to 700 products of magnitude ≤ 1 against float64 loops
export const linearActStressCases: OpCase[] = [
  {
    // k = 700: two k blocks; 67 rows and 45 columns: partial tiles
    name: "linearActivation relu [67,700]→45 + bias (two k blocks, tails)",
    inputs: inputs([67], 700, 45, true),
    fn: fn("relu"),
    tol: { atol: 5e-4, rtol: 2e-4 },
  },
  {
    // 23 MFLOP per product: threaded
    name: "linearActivation tanh [150,300]→260 + bias (threaded)",
    inputs: inputs([150], 300, 260, true),
    fn: fn("tanh"),
    tol: { atol: 5e-4, rtol: 2e-4 },
  },
];
