/**
 * NADE's fused op as test cases: the float64 gradient check and native-vs-reference parity run `nadeCases` (through
 * test/cases.ts); `nadeStressCases` add parity on shapes with SIMD tails and enough rows to use threads.
 */
import { nadeLogits, type DType, type Generator, type Tensor } from "../../src/index.js";
import type { OpCase } from "../cases.js";
import { randomTensor } from "../helpers.js";

/** x binary (the recurrence skips zeros) and requiring grad, then W [D,H], c [H], V [D,H], b [D]. */
const nadeInputs =
  (B: number, D: number, H: number, scale: number) =>
  (g: Generator, d: DType): Tensor[] => [
    randomTensor(g, [B, D], { dtype: d, low: 0, high: 1, grad: false }).gt(0.5).to(d).requireGrad(),
    randomTensor(g, [D, H], { dtype: d, low: -scale, high: scale }),
    randomTensor(g, [H], { dtype: d }),
    randomTensor(g, [D, H], { dtype: d, low: -scale, high: scale }),
    randomTensor(g, [D], { dtype: d }),
  ];

const nade = (x: Tensor, W: Tensor, c: Tensor, V: Tensor, b: Tensor): Tensor => nadeLogits(x, W, c, V, b);

export const nadeCases: OpCase[] = [
  {
    name: "nade",
    inputs: nadeInputs(3, 5, 4, 2),
    fn: (x, W, c, V, b) => nade(x!, W!, c!, V!, b!),
    tol: { atol: 1e-5, rtol: 1e-4 },
  },
];

export const nadeStressCases: OpCase[] = [
  {
    // H = 131: vector tails; B = 67 rows: split across threads; D = 29 positions accumulate float32 error
    name: "nade [67,29] H 131 (threaded, SIMD tail)",
    inputs: nadeInputs(67, 29, 131, 0.3),
    fn: (x, W, c, V, b) => nade(x!, W!, c!, V!, b!),
    tol: { atol: 1e-4, rtol: 1e-4 },
  },
  {
    name: "nade one row, one hidden unit [1,7] H 1",
    inputs: nadeInputs(1, 7, 1, 2),
    fn: (x, W, c, V, b) => nade(x!, W!, c!, V!, b!),
  },
];
