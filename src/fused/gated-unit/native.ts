/** The gated unit's native kernels (native/fused/gated-unit/), looked up once and typed as GatedUnitKernels. */
import { addonFunctions } from "../fused-op.js";
import type { GatedUnitKernels } from "./kernels.js";

let cached: GatedUnitKernels | null = null;

export function nativeGatedUnit(): GatedUnitKernels {
  if (cached) return cached;
  const f = addonFunctions("gatedUnit", ["gatedUnitForward", "gatedUnitBackward"] as const);
  // the addon functions take the same arguments in the same order (native/fused/gated-unit/binding.cc)
  cached = {
    forward: f.gatedUnitForward as GatedUnitKernels["forward"],
    backward: f.gatedUnitBackward as GatedUnitKernels["backward"],
  };
  return cached;
}
