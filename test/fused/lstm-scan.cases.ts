/**
 * The fused LSTM recurrence as test cases: the float64 gradient check and native-vs-reference parity run
 * `lstmScanCases` (through test/cases.ts); `lstmScanStressCases` add parity on benchmark-like shapes (SIMD tails,
 * enough rows for threads, many steps).
 */
import { lstmScan, type DType, type Generator, type Tensor } from "../../src/index.js";
import type { OpCase } from "../cases.js";
import { randomTensor } from "../helpers.js";

type Layout = "TNSC" | "NCTS" | "NCST";
const gxShape = (layout: Layout, T: number, N: number, S: number, G: number): number[] =>
  layout === "TNSC" ? [T, N, S, G] : layout === "NCTS" ? [N, G, T, S] : [N, G, S, T];

/** gx (T steps, N lines, S cells, 4H gates, in the layout's axis order) in [-2, 2] and W [4H, H, K] in ±scale */
const scanInputs =
  (T: number, N: number, S: number, H: number, K: number, scale: number, layout: Layout = "TNSC") =>
  (g: Generator, d: DType): Tensor[] => [
    randomTensor(g, gxShape(layout, T, N, S, 4 * H), { dtype: d }),
    randomTensor(g, [4 * H, H, K], { dtype: d, low: -scale, high: scale }),
  ];

const scan =
  (offsets: number[], layout: Layout = "TNSC") =>
  (gx?: Tensor, W?: Tensor): Tensor =>
    lstmScan(gx!, W!, offsets, layout);

export const lstmScanCases: OpCase[] = [
  // Row LSTM's taps (left, centre, right); 3 steps so gradients cross two state-to-state products
  { name: "lstmScan row taps [3,2,4] H 3", inputs: scanInputs(3, 2, 4, 3, 3, 0.8), fn: scan([-1, 0, 1]) },
  // Diagonal BiLSTM's taps (the cell above, the same cell), listed in the layer's order
  { name: "lstmScan diagonal taps [4,1,3] H 2", inputs: scanInputs(4, 1, 3, 2, 2, 0.8), fn: scan([-1, 0]) },
  // the NCHW layouts: rows as steps (Row LSTM on a convolution's output), columns as steps (the skewed map)
  {
    name: "lstmScan NCTS (N 2, 4H 8, T 3, S 4) taps -1,1,0",
    inputs: scanInputs(3, 2, 4, 2, 3, 0.8, "NCTS"),
    fn: scan([-1, 1, 0], "NCTS"),
  },
  {
    name: "lstmScan NCST (N 2, 4H 8, S 3, T 4) taps -1,0",
    inputs: scanInputs(4, 2, 3, 2, 2, 0.8, "NCST"),
    fn: scan([-1, 0], "NCST"),
  },
];

export const lstmScanStressCases: OpCase[] = [
  {
    // the benchmark's Row LSTM step (16 images × 28 columns, h = 32) over 6 rows: GEMMs and threaded cell passes
    name: "lstmScan [6,16,28] H 32 row taps (threaded)",
    inputs: scanInputs(6, 16, 28, 32, 3, 0.3),
    fn: scan([-1, 0, 1]),
    tol: { atol: 1e-4, rtol: 1e-3 },
  },
  {
    // the same on an NCHW map (the benchmark's layout), and on its columns
    name: "lstmScan NCTS [16,128,6,28] H 32 (threaded)",
    inputs: scanInputs(6, 16, 28, 32, 3, 0.3, "NCTS"),
    fn: scan([-1, 0, 1], "NCTS"),
    tol: { atol: 1e-4, rtol: 1e-3 },
  },
  {
    name: "lstmScan NCST [4,76,9,11] H 19 (SIMD tail)",
    inputs: scanInputs(11, 4, 9, 19, 2, 0.3, "NCST"),
    fn: scan([-1, 0], "NCST"),
    tol: { atol: 1e-4, rtol: 1e-3 },
  },
  {
    // H = 19: every vector width leaves a tail; offsets beyond ±1 and a line shorter than the reach
    name: "lstmScan [5,3,7] H 19 taps -2,0,3 (SIMD tail)",
    inputs: scanInputs(5, 3, 7, 19, 3, 0.3),
    fn: scan([-2, 0, 3]),
    tol: { atol: 1e-4, rtol: 1e-3 },
  },
];
