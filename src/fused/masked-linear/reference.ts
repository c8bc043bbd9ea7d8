/** The masked linear layer as plain loops (float64 arithmetic): the oracle for the native kernels. */
import type { MaskedLinearKernels } from "./kernels.js";

const forward: MaskedLinearKernels["forward"] = (x, W, M, bias, out, m, k, n) => {
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j]! : 0;
      for (let p = 0; p < k; p++) s += x[i * k + p]! * W[j * k + p]! * M[j * k + p]!;
      out[i * n + j] = s;
    }
};

const gradInput: MaskedLinearKernels["gradInput"] = (g, W, M, gx, m, k, n) => {
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += g[i * n + j]! * W[j * k + p]! * M[j * k + p]!;
      gx[i * k + p] = s;
    }
};

const gradWeight: MaskedLinearKernels["gradWeight"] = (g, x, M, gW, m, k, n) => {
  for (let j = 0; j < n; j++)
    for (let p = 0; p < k; p++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += g[i * n + j]! * x[i * k + p]!;
      gW[j * k + p] = s * M[j * k + p]!;
    }
};

export const referenceMaskedLinear: MaskedLinearKernels = { forward, gradInput, gradWeight };
