/** The gated unit as plain loops (float64 arithmetic): the oracle for the fused native kernels. */
import type { GatedUnitKernels } from "./kernels.js";

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

const forward: GatedUnitKernels["forward"] = (x, y, out, R, M) => {
  for (let r = 0; r < R; r++)
    for (let j = 0; j < M; j++) {
      const ia = r * 2 * M + j,
        ib = ia + M;
      out[r * M + j] = Math.tanh(x[ia]! + (y ? y[ia]! : 0)) * sigmoid(x[ib]! + (y ? y[ib]! : 0));
    }
};

// t = tanh(a), s = σ(b): ∂a = g·s·(1 − t²), ∂b = g·t·s·(1 − s)
const backward: GatedUnitKernels["backward"] = (x, y, g, gz, R, M) => {
  for (let r = 0; r < R; r++)
    for (let j = 0; j < M; j++) {
      const ia = r * 2 * M + j,
        ib = ia + M;
      const t = Math.tanh(x[ia]! + (y ? y[ia]! : 0)),
        s = sigmoid(x[ib]! + (y ? y[ib]! : 0)),
        gj = g[r * M + j]!;
      gz[ia] = gj * s * (1 - t * t);
      gz[ib] = gj * t * s * (1 - s);
    }
};

export const referenceGatedUnit: GatedUnitKernels = { forward, backward };
