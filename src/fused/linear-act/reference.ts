/** The fused linear layer with activation as plain loops (float64 arithmetic): the oracle for the native kernels. */
import { UnaryOp } from "../../backend/backend.js";
import type { LinearActKernels } from "./kernels.js";

const activate = (act: number, v: number): number =>
  act === UnaryOp.tanh ? Math.tanh(v) : act === UnaryOp.relu ? Math.max(v, 0) : v;

// the activation's derivative from its output: tanh' = 1 − y², relu' = [y > 0]
const slope = (act: number, y: number): number =>
  act === UnaryOp.tanh ? 1 - y * y : act === UnaryOp.relu ? (y > 0 ? 1 : 0) : 1;

const forward: LinearActKernels["forward"] = (x, W, bias, out, m, k, n, act) => {
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j]! : 0;
      for (let p = 0; p < k; p++) s += x[i * k + p]! * W[j * k + p]!;
      out[i * n + j] = activate(act, s);
    }
};

const backward: LinearActKernels["backward"] = (x, W, y, g, gx, gW, gb, m, k, n, act) => {
  const gz = new Float64Array(m * n);
  for (let q = 0; q < m * n; q++) gz[q] = g[q]! * slope(act, y[q]!);
  if (gb)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += gz[i * n + j]!;
      gb[j] = s;
    }
  if (gx)
    for (let i = 0; i < m; i++)
      for (let p = 0; p < k; p++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += gz[i * n + j]! * W[j * k + p]!;
        gx[i * k + p] = s;
      }
  if (gW)
    for (let j = 0; j < n; j++)
      for (let p = 0; p < k; p++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += gz[i * n + j]! * x[i * k + p]!;
        gW[j * k + p] = s;
      }
};

export const referenceLinearAct: LinearActKernels = { forward, backward };
