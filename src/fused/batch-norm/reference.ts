/** Batch normalisation as plain loops (float64 arithmetic): the oracle for the fused native kernels. */
import { BN_LEAKY, BN_RELU, type BatchNormKernels } from "./kernels.js";

/** Calls fn(i) for the flat index of every value of channel c in x [N, C, S]. */
function eachOf(N: number, C: number, S: number, c: number, fn: (i: number) => void): void {
  for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) fn((n * C + c) * S + s);
}

// act(v) as the relu and leakyRelu ops compute it
const activate = (v: number, act: number, slope: number): number =>
  act === BN_RELU ? (v > 0 ? v : 0) : act === BN_LEAKY ? (v > 0 ? v : slope * v) : v;

// act'(·)·g read from the output's sign: 1 where y > 0, else 0 (ReLU) or slope (leaky ReLU)
const masked = (g: number, y: number, act: number, slope: number): number =>
  act === BN_RELU ? (y > 0 ? g : 0) : act === BN_LEAKY ? (y > 0 ? g : slope * g) : g;

const forward: BatchNormKernels["forward"] = (x, w, b, y, mean, variance, N, C, S, eps, act, slope) => {
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
    eachOf(N, C, S, c, (i) => (y[i] = activate((x[i]! - m) * inv * (w ? w[c]! : 1) + (b ? b[c]! : 0), act, slope)));
  }
};

// gz = act'·gy; x̂ = (x − mean)·inv;
// ∂b = Σgz, ∂w = Σgz·x̂, ∂x = w·inv·(gz − Σgz/M − x̂·Σgz·x̂/M)
const backward: BatchNormKernels["backward"] = (x, w, mean, variance, y, gy, gx, gw, gb, N, C, S, eps, act, slope) => {
  const M = N * S;
  const gz = (i: number): number => masked(gy[i]!, y ? y[i]! : 0, act, slope);
  for (let c = 0; c < C; c++) {
    const m = mean[c]!,
      inv = 1 / Math.sqrt(variance[c]! + eps);
    let sg = 0,
      sgx = 0;
    eachOf(N, C, S, c, (i) => {
      sg += gz(i);
      sgx += gz(i) * (x[i]! - m) * inv;
    });
    if (gb) gb[c] = sg;
    if (gw) gw[c] = sgx;
    const scale = (w ? w[c]! : 1) * inv;
    if (gx) eachOf(N, C, S, c, (i) => (gx[i] = scale * (gz(i) - sg / M - (x[i]! - m) * inv * (sgx / M))));
  }
};

export const referenceBatchNorm: BatchNormKernels = { forward, backward };
