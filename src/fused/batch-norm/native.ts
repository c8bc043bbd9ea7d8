/** Batch normalisation's native kernels (native/fused/batch-norm/), looked up once and typed as BatchNormKernels. */
import { addonFunctions } from "../fused-op.js";
import type { BatchNormKernels } from "./kernels.js";

let cached: BatchNormKernels | null = null;

export function nativeBatchNorm(): BatchNormKernels {
  if (cached) return cached;
  const f = addonFunctions("batchNorm", ["batchNormForward", "batchNormBackward"] as const);
  // the addon functions take the same arguments in the same order (native/fused/batch-norm/binding.cc)
  cached = {
    forward: f.batchNormForward as BatchNormKernels["forward"],
    backward: f.batchNormBackward as BatchNormKernels["backward"],
  };
  return cached;
}
