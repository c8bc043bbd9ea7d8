/** Batch normalisation's native kernels (native/fused/batch-norm/), looked up once. */
import { lazyAddonKernels } from "../fused-op.js";
import type { BatchNormKernels } from "./kernels.js";

export const nativeBatchNorm = lazyAddonKernels<BatchNormKernels>("batchNorm", {
  forward: "batchNormForward",
  backward: "batchNormBackward",
});
