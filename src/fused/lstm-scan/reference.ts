/** The LSTM recurrence as plain loops (float64 arithmetic): the oracle for the fused native kernels. */
import type { Storage } from "../../backend/backend.js";
import { sigmoid } from "../../backend/reference/scalar.js";
import { layoutStrides, type LstmScanKernels } from "./kernels.js";

/** hin[m, j·K + k] = h[n, s + offsets[k], j] for cell m = n·S + s (zero outside the line) */
function neighbours(h: Storage, base: number, offsets: Int32Array, N: number, S: number, H: number): Float64Array {
  const K = offsets.length,
    hin = new Float64Array(N * S * H * K);
  for (let n = 0; n < N; n++)
    for (let s = 0; s < S; s++)
      for (let k = 0; k < K; k++) {
        const s2 = s + offsets[k]!;
        if (s2 < 0 || s2 >= S) continue;
        for (let j = 0; j < H; j++) hin[(n * S + s) * H * K + j * K + k] = h[base + (n * S + s2) * H + j]!;
      }
  return hin;
}

/** x in a layout → [T, N, S, C] (toTNSC) or back (fromTNSC into dst) */
function relayout(x: Storage, dst: Storage, code: number, T: number, N: number, S: number, C: number, back: boolean) {
  const [sT, sN, sS, sC] = layoutStrides(code, T, N, S, C);
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++)
      for (let s = 0; s < S; s++)
        for (let c = 0; c < C; c++) {
          const i = t * sT + n * sN + s * sS + c * sC,
            j = ((t * N + n) * S + s) * C + c;
          if (back) dst[i] = x[j]!;
          else dst[j] = x[i]!;
        }
}
const toTNSC = (x: Storage, code: number, T: number, N: number, S: number, C: number): Float64Array => {
  const out = new Float64Array(T * N * S * C);
  relayout(x, out, code, T, N, S, C, false);
  return out;
};

const forward: LstmScanKernels["forward"] = (gxIn, W, offsets, hsOut, acts, cs, T, N, S, H, K, layout) => {
  const M = N * S,
    G = 4 * H;
  const gx = toTNSC(gxIn, layout, T, N, S, G),
    hs = new Float64Array(T * M * H);
  for (let t = 0; t < T; t++) {
    const hin = t > 0 ? neighbours(hs, (t - 1) * M * H, offsets, N, S, H) : null;
    for (let m = 0; m < M; m++) {
      const a = new Float64Array(G);
      for (let o = 0; o < G; o++) {
        let s = gx[(t * M + m) * G + o]!;
        if (hin) for (let q = 0; q < H * K; q++) s += hin[m * H * K + q]! * W[o * H * K + q]!;
        a[o] = s;
      }
      for (let j = 0; j < H; j++) {
        const i = sigmoid(a[j]!),
          f = sigmoid(a[H + j]!),
          g = Math.tanh(a[2 * H + j]!),
          o = sigmoid(a[3 * H + j]!);
        const cPrev = t > 0 ? cs[((t - 1) * M + m) * H + j]! : 0;
        const c = f * cPrev + i * g,
          at = (t * M + m) * G + j;
        acts[at] = i;
        acts[at + H] = f;
        acts[at + 2 * H] = g;
        acts[at + 3 * H] = o;
        cs[(t * M + m) * H + j] = c;
        hs[(t * M + m) * H + j] = o * Math.tanh(c);
      }
    }
  }
  relayout(hs, hsOut, layout, T, N, S, H, true);
};

// back through time: dh_t = gy_t + (what step t+1's gates sent back through W);
// dc_t = dc_{t+1}·f_{t+1} + dh_t·o·tanh'
const backward: LstmScanKernels["backward"] = (gyIn, W, offsets, hsIn, acts, cs, dgxOut, dW, T, N, S, H, K, L) => {
  const M = N * S,
    G = 4 * H,
    HK = H * K;
  const gy = toTNSC(gyIn, L, T, N, S, H),
    hs = toTNSC(hsIn, L, T, N, S, H),
    dgx = new Float64Array(T * M * G);
  dW.fill(0);
  let dhNext = new Float64Array(M * H);
  const dcNext = new Float64Array(M * H);
  for (let t = T - 1; t >= 0; t--) {
    for (let m = 0; m < M; m++)
      for (let j = 0; j < H; j++) {
        const at = (t * M + m) * G + j,
          u = (t * M + m) * H + j;
        const i = acts[at]!,
          f = acts[at + H]!,
          g = acts[at + 2 * H]!,
          o = acts[at + 3 * H]!;
        const tc = Math.tanh(cs[u]!),
          dh = gy[u]! + dhNext[m * H + j]!;
        const dc = dcNext[m * H + j]! + dh * o * (1 - tc * tc);
        const cPrev = t > 0 ? cs[u - M * H]! : 0;
        dgx[at] = dc * g * i * (1 - i);
        dgx[at + H] = dc * cPrev * f * (1 - f);
        dgx[at + 2 * H] = dc * i * (1 - g * g);
        dgx[at + 3 * H] = dh * tc * o * (1 - o);
        dcNext[m * H + j] = dc * f;
      }
    dhNext = new Float64Array(M * H);
    if (t === 0) break;
    const hin = neighbours(hs, (t - 1) * M * H, offsets, N, S, H);
    for (let m = 0; m < M; m++)
      for (let o = 0; o < G; o++) {
        const d = dgx[(t * M + m) * G + o]!;
        for (let q = 0; q < HK; q++) dW[o * HK + q]! += d * hin[m * HK + q]!;
      }
    // dh_{t−1}[n, s + offsets[k], j] += Σ_o dgates[n, s, o] W[o, j·K + k]
    for (let n = 0; n < N; n++)
      for (let s = 0; s < S; s++)
        for (let k = 0; k < K; k++) {
          const s2 = s + offsets[k]!;
          if (s2 < 0 || s2 >= S) continue;
          for (let j = 0; j < H; j++) {
            let v = 0;
            for (let o = 0; o < G; o++) v += dgx[(t * M + n * S + s) * G + o]! * W[o * HK + j * K + k]!;
            dhNext[(n * S + s2) * H + j]! += v;
          }
        }
  }
  relayout(dgx, dgxOut, L, T, N, S, G, true);
};

export const referenceLstmScan: LstmScanKernels = { forward, backward };
