/** The IWAE estimator's native kernels (native/fused/iwae/), looked up in the addon once. */
import { lazyAddonKernels } from "../../fused/fused-op.js";

export interface IwaeKernels {
  /** normals [offset, offset + n) of the Box–Muller stream at (key, counter) into out (see box-muller.ts) */
  normalFill(k0: number, k1: number, counter: number, offset: number, n: number, out: Float32Array): void;
  /** log p(x) per image by k importance samples through an MLP decoder (native/fused/iwae/iwae.h) */
  iwaeEstimate(
    x: Float32Array,
    mu: Float32Array,
    logsd: Float32Array,
    B: number,
    D: number,
    L: number,
    k: number,
    sizes: Float64Array,
    weights: Float32Array[],
    biases: (Float32Array | null)[],
    act: number,
    k0: number,
    k1: number,
    counter: number,
    rows: number,
    logp: Float64Array,
  ): void;
}

export const nativeIwae = lazyAddonKernels<IwaeKernels>("iwae", {
  normalFill: "normalFill",
  iwaeEstimate: "iwaeEstimate",
});
