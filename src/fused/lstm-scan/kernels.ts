/**
 * The kernels of the fused LSTM recurrence; the reference loops and the native binding both provide them.
 * Shapes: T steps of M = N·S cells in N lines of S neighbours, H units, G = 4H gates (i, f, g, o), K taps.
 * gx [T, M, G] input-to-state gate pre-activations (biases included), W [G, H·K] the state-to-state weight in
 * 1-D convolution layout (column j·K + k reads unit j of the neighbour at offset offsets[k] along the line),
 * hs [T, M, H] outputs, acts [T, M, G] the gates after σ/tanh, cs [T, M, H] the cell states.
 */
import type { Storage } from "../../backend/backend.js";

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
  ): void;
}
