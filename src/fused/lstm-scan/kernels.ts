/**
 * The kernels of the fused LSTM recurrence; the reference loops and the native binding both provide them.
 * Shapes: T steps of M = N·S cells in N lines of S neighbours, H units, G = 4H gates (i, f, g, o), K taps.
 * gx [T, M, G] input-to-state gate pre-activations (biases included), W [G, H·K] the state-to-state weight in
 * 1-D convolution layout (column j·K + k reads unit j of the neighbour at offset offsets[k] along the line),
 * hs [T, M, H] outputs, acts [T, M, G] the gates after σ/tanh, cs [T, M, H] the cell states. gx, dgx, hs and gy
 * are stored in the layout given by its code (acts and cs always as above):
 */
import type { Storage } from "../../backend/backend.js";

/** 0: [T, N, S, C]; 1: [N, C, T, S] (an NCHW map whose rows are the steps); 2: [N, C, S, T] (columns are the steps) */
export const layoutCodes = { TNSC: 0, NCTS: 1, NCST: 2 } as const;
export type LstmScanLayout = keyof typeof layoutCodes;

/** The strides [t, n, s, c] of a contiguous tensor in a layout with C channels. */
export function layoutStrides(
  code: number,
  T: number,
  N: number,
  S: number,
  C: number,
): [number, number, number, number] {
  if (code === 0) return [N * S * C, S * C, C, 1];
  if (code === 1) return [S, C * T * S, 1, T * S];
  return [1, C * S * T, T, S * T];
}

export interface LstmScanKernels {
  /** fills hs, acts and cs; the state before step 0 is zero */
  forward(
    gx: Storage,
    W: Storage,
    offsets: Int32Array,
    hs: Storage,
    acts: Storage,
    cs: Storage,
    T: number,
    N: number,
    S: number,
    H: number,
    K: number,
    layout: number,
  ): void;
  /** gradients of Σ gy ⊙ hs with respect to gx (dgx) and W (dW), both overwritten */
  backward(
    gy: Storage,
    W: Storage,
    offsets: Int32Array,
    hs: Storage,
    acts: Storage,
    cs: Storage,
    dgx: Storage,
    dW: Storage,
    T: number,
    N: number,
    S: number,
    H: number,
    K: number,
    layout: number,
  ): void;
}
