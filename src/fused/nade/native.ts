/** NADE's native kernels (native/fused/nade/), looked up once. */
import { lazyAddonKernels } from "../fused-op.js";
import type { NadeKernels } from "./kernels.js";

export const nativeNade = lazyAddonKernels<NadeKernels>("nade", {
  forward: "nadeForward",
  backward: "nadeBackward",
  sample: "nadeSample",
});
