/**
 * The gated unit's fused op as test cases: the float64 gradient check and native-vs-reference parity run
 * `gatedUnitCases` (through test/cases.ts); `gatedUnitStressCases` add parity on every instruction-set path for
 * runs with vector tails and enough values to use threads (a thread's share then starts mid-row).
 */
import type { DType, Generator, Tensor } from "../../src/index.js";
import { gatedUnit } from "../../src/fused/gated-unit/index.js";
import type { OpCase } from "../cases.js";
import { randomTensor } from "../helpers.js";

/** x (and y) of the given shape in [-3, 3]: tanh and σ away from saturation and from their linear range. */
const inputs =
  (shape: number[], withY: boolean) =>
  (g: Generator, d: DType): Tensor[] => [
    randomTensor(g, shape, { dtype: d, low: -3, high: 3 }),
    ...(withY ? [randomTensor(g, shape, { dtype: d, low: -3, high: 3 })] : []),
  ];

const fn =
  (groups: number) =>
  (x?: Tensor, y?: Tensor): Tensor =>
    gatedUnit(x!, groups, y ?? null);

export const gatedUnitCases: OpCase[] = [
  { name: "gatedUnit [3,8,2,5] one group", inputs: inputs([3, 8, 2, 5], false), fn: fn(1) },
  { name: "gatedUnit [2,12,3,3] three colour groups, + y", inputs: inputs([2, 12, 3, 3], true), fn: fn(3) },
  { name: "gatedUnit [4,6] (no spatial dims), + y", inputs: inputs([4, 6], true), fn: fn(1) },
];

// tolerances: one tanh, one σ and a few products in float32 against float64 loops
export const gatedUnitStressCases: OpCase[] = [
  {
    // M = 11·323 = 3553 values per half-row: vector tails on every path; R·M = 85 272: threads, split mid-row
    name: "gatedUnit [8,66,17,19] three groups, + y (tails, threaded)",
    inputs: inputs([8, 66, 17, 19], true),
    fn: fn(3),
    tol: { atol: 1e-5, rtol: 1e-4 },
  },
  {
    name: "gatedUnit [32,64,7,7] one group (Gated PixelCNN's layer on 7×7 maps)",
    inputs: inputs([32, 64, 7, 7], false),
    fn: fn(1),
    tol: { atol: 1e-5, rtol: 1e-4 },
  },
];
