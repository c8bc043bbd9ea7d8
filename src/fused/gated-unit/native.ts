/** The gated unit's native kernels (native/fused/gated-unit/), looked up once. */
import { lazyAddonKernels } from "../fused-op.js";
import type { GatedUnitKernels } from "./kernels.js";

export const nativeGatedUnit = lazyAddonKernels<GatedUnitKernels>("gatedUnit", {
  forward: "gatedUnitForward",
  backward: "gatedUnitBackward",
});
