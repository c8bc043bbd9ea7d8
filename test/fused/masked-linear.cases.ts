/**
 * The masked linear op as test cases: the float64 gradient check and native-vs-reference parity run
 * `maskedLinearCases` (through test/cases.ts); `maskedLinearStressCases` add parity on every instruction-set path for
 * shapes with partial micro-tiles, several k blocks (where the weight gradient's mask must be applied once, to the
 * finished sums) and enough work to use threads.
 */
import type { DType, Generator, Tensor } from "../../src/index.js";
import { maskedLinear } from "../../src/fused/masked-linear/index.js";
import type { OpCase } from "../cases.js";
import { randomTensor } from "../helpers.js";

/** x [...batch, k] and W [n, k] require grad; the mask [n, k] is 0/1 (binary) or real-valued; bias [n] or none. */
const inputs =
  (batch: number[], k: number, n: number, opts: { bias: boolean; binary: boolean }) =>
  (g: Generator, d: DType): Tensor[] => {
    const raw = randomTensor(g, [n, k], { dtype: d, low: -1, high: 1, grad: false });
    const mask = opts.binary ? raw.gt(0).to(d) : raw;
    return [
      randomTensor(g, [...batch, k], { dtype: d }),
      randomTensor(g, [n, k], { dtype: d, low: -0.5, high: 0.5 }),
      mask,
      ...(opts.bias ? [randomTensor(g, [n], { dtype: d })] : []),
    ];
  };

const fn = (x?: Tensor, w?: Tensor, mask?: Tensor, b?: Tensor): Tensor => maskedLinear(x!, w!, mask!, b ?? null);

export const maskedLinearCases: OpCase[] = [
  {
    name: "maskedLinear [3,2,5]→4 + bias (0/1 mask)",
    inputs: inputs([3, 2], 5, 4, { bias: true, binary: true }),
    fn,
  },
  {
    name: "maskedLinear [4,6]→3 (real mask, no bias)",
    inputs: inputs([4], 6, 3, { bias: false, binary: false }),
    fn,
  },
];

// tolerances: float32 sums of up to 700 products of magnitude ≤ 2 against float64 loops
export const maskedLinearStressCases: OpCase[] = [
  {
    // 700 rows and 700 inputs (> KC: 512 with AVX-512 and portable, 672 with AVX2): the forward and weight-gradient
    // products each run two k blocks, so a mask applied to partial sums would be squared; 45 outputs: partial tiles
    name: "maskedLinear [4,175,700]→45 (real mask, two k blocks, tails)",
    inputs: inputs([4, 175], 700, 45, { bias: true, binary: false }),
    fn,
    tol: { atol: 5e-4, rtol: 2e-4 },
  },
  {
    // 150 rows (> the row count below which B is read in place) and 23 MFLOP (threaded)
    name: "maskedLinear [150,300]→260 (0/1 mask, threaded)",
    inputs: inputs([150], 300, 260, { bias: true, binary: true }),
    fn,
    tol: { atol: 5e-4, rtol: 2e-4 },
  },
];
