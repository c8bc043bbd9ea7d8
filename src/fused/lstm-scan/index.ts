/**
 * An LSTM run over T steps as one fused op [1]: at each step every cell of a line (a row of pixels for the Row
 * LSTM, a skewed diagonal for the Diagonal BiLSTM) computes gates = gx_t + W ⊛ h_{t−1}, where gx_t are its
 * precomputed input-to-state gate pre-activations and W ⊛ h_{t−1} a 1-D convolution of the previous step's states
 * along the line (taps at the given offsets); then i, f, o = σ(·), g = tanh(·), c_t = f·c_{t−1} + i·g and
 * h_t = o·tanh(c_t), from zero states. Forward and backward are one kernel call each, so the per-step slices, adds
 * and activations of the unfused recurrence (and their O(steps × tensor) slice gradients) disappear.
 * Kernels: reference.ts (plain loops, the oracle), native.ts (native/fused/lstm-scan/, float32).
 * [1]: Hochreiter & Schmidhuber (1997), Long Short-Term Memory; gate order i, f, g, o as PyTorch's LSTMCell.
 */
import { fmt } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor-data.js";
import { checkTensor, contiguousData, empty, sameDType } from "../../ops/util.js";
import type { DType } from "../../tensor/storage.js";
import { defineFusedOp, kernelsFor } from "../fused-op.js";
import { layoutCodes, type LstmScanKernels, type LstmScanLayout } from "./kernels.js";
import { nativeLstmScan } from "./native.js";
import { referenceLstmScan } from "./reference.js";

const kernels = (dtype: DType): LstmScanKernels => kernelsFor(dtype, referenceLstmScan, nativeLstmScan);

/** What the backward pass reads besides the output h: the taps, the gates after σ/tanh and the cell states. */
export interface LstmScanSaved {
  offsets: Int32Array;
  /** T, N, S, H and the layout code */
  dims: [number, number, number, number, number];
  acts: Tensor;
  cs: Tensor;
}

export const lstmScanOp = defineFusedOp<"lstmScan", LstmScanSaved>({
  name: "lstmScan",
  // backpropagation through time from the saved gates and cell states; dW sums dgates_tᵀ · neighbours(h_{t−1})
  gradRule: (g, [gx, W], hs, { offsets, dims, acts, cs }) => {
    const [T, N, S, H, layout] = dims,
      K = offsets.length;
    const dgx = empty(gx!.shape, gx!.dtype),
      dW = empty(W!.shape, W!.dtype);
    kernels(gx!.dtype).backward(
      contiguousData(g),
      contiguousData(W!),
      offsets,
      hs.data,
      acts.data,
      cs.data,
      dgx.data,
      dW.data,
      T,
      N,
      S,
      H,
      K,
      layout,
    );
    return [gx!.requiresGrad ? dgx : null, W!.requiresGrad ? dW : null];
  },
});

/** [T, N, S, C] in a layout's axis order */
function shapeIn(layout: LstmScanLayout, T: number, N: number, S: number, C: number): number[] {
  if (layout === "TNSC") return [T, N, S, C];
  return layout === "NCTS" ? [N, C, T, S] : [N, C, S, T];
}

/**
 * h_t for t < T from the gate pre-activations gx (i, f, g, o, biases added) and the state-to-state weight
 * W [4H, H, K] (a 1-D convolution's layout: W[:, j, k] reads unit j of the neighbour at offsets[k] along the line).
 * gx and the returned hs (H channels) are in one layout: "TNSC" [T, N, S, 4H] (the default), "NCTS" [N, 4H, T, S]
 * (an NCHW map whose rows are the steps: a convolution's output, read without a transposing copy) or "NCST"
 * [N, 4H, S, T] (columns are the steps).
 */
export function lstmScan(gx: Tensor, W: Tensor, offsets: readonly number[], layout: LstmScanLayout = "TNSC"): Tensor {
  checkTensor("lstmScan", gx, "gx");
  checkTensor("lstmScan", W, "W");
  sameDType("lstmScan", gx, W);
  const code = layoutCodes[layout];
  if (code === undefined) throw new RangeError(`lstmScan: unknown layout "${String(layout)}"; use TNSC, NCTS or NCST`);
  if (gx.ndim !== 4) throw new TypeError(`lstmScan: gx ${fmt(gx.shape)} must have 4 dimensions (${layout})`);
  const d = gx.shape as [number, number, number, number];
  const [T, N, S, G] = layout === "TNSC" ? d : layout === "NCTS" ? [d[2], d[0], d[3], d[1]] : [d[3], d[0], d[2], d[1]];
  if (G % 4 !== 0) throw new TypeError(`lstmScan: gx ${fmt(gx.shape)} (${layout}) has ${G} gate channels, not 4H`);
  const H = G / 4,
    K = offsets.length;
  if (W.ndim !== 3 || W.shape[0] !== G || W.shape[1] !== H || W.shape[2] !== K)
    throw new TypeError(`lstmScan: W ${fmt(W.shape)} must be [${G}, ${H}, ${K}] for ${K} offsets`);
  if (!offsets.every((o) => Number.isInteger(o)))
    throw new RangeError(`lstmScan: offsets must be integers, got [${offsets.join(", ")}]`);
  const offs = Int32Array.from(offsets);
  const hs = empty(shapeIn(layout, T, N, S, H), gx.dtype),
    acts = empty([T, N, S, G], gx.dtype),
    cs = empty([T, N, S, H], gx.dtype);
  if (hs.size > 0)
    kernels(gx.dtype).forward(
      contiguousData(gx),
      contiguousData(W),
      offs,
      hs.data,
      acts.data,
      cs.data,
      T,
      N,
      S,
      H,
      K,
      code,
    );
  return lstmScanOp.record([gx, W], hs, { offsets: offs, dims: [T, N, S, H, code], acts, cs });
}
