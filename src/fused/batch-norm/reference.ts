/** Batch normalisation as plain loops (float64 arithmetic): the oracle for the fused native kernels. */
import type { BatchNormKernels } from "./kernels.js";

/** Calls fn(i) for the flat index of every value of channel c in x [N, C, S]. */
function eachOf(N: number, C: number, S: number, c: number, fn: (i: number) => void): void {
  for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) fn((n * C + c) * S + s);
}

const forward: BatchNormKernels["forward"] = (x, w, b, y, mean, variance, N, C, S, eps) => {
  const M = N * S;
  for (let c = 0; c < C; c++) {
    let s1 = 0,
      s2 = 0;
    eachOf(N, C, S, c, (i) => (s1 += x[i]!));
    const m = s1 / M;
    eachOf(N, C, S, c, (i) => (s2 += (x[i]! - m) ** 2));
    mean[c] = m;
    variance[c] = s2 / M;
    const inv = 1 / Math.sqrt(variance[c]! + eps);
    eachOf(N, C, S, c, (i) => (y[i] = (x[i]! - m) * inv * (w ? w[c]! : 1) + (b ? b[c]! : 0)));
  }
};

// x̂ = (x − mean)·inv; ∂b = Σgy, ∂w = Σgy·x̂, ∂x = w·inv·(gy − Σgy/M − x̂·Σgy·x̂/M)
const backward: BatchNormKernels["backward"] = (x, w, mean, variance, gy, gx, gw, gb, N, C, S, eps) => {
  const M = N * S;
  for (let c = 0; c < C; c++) {
    const m = mean[c]!,
      inv = 1 / Math.sqrt(variance[c]! + eps);
    let sg = 0,
      sgx = 0;
    eachOf(N, C, S, c, (i) => {
      sg += gy[i]!;
      sgx += gy[i]! * (x[i]! - m) * inv;
    });
    if (gb) gb[c] = sg;
    if (gw) gw[c] = sgx;
    const scale = (w ? w[c]! : 1) * inv;
    if (gx) eachOf(N, C, S, c, (i) => (gx[i] = scale * (gy[i]! - sg / M - (x[i]! - m) * inv * (sgx / M))));
  }
};

export const referenceBatchNorm: BatchNormKernels = { forward, backward };
