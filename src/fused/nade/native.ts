/** NADE's native kernels (native/fused/nade/), looked up in the addon once and typed as NadeKernels. */
import { addonFunctions } from "../fused-op.js";
import type { NadeKernels } from "./kernels.js";

let cached: NadeKernels | null = null;

export function nativeNade(): NadeKernels {
  if (cached) return cached;
  const f = addonFunctions("nade", ["nadeForward", "nadeBackward", "nadeSample"] as const);
  // the addon functions take the same arguments in the same order as NadeKernels (native/fused/nade/binding.cc)
  cached = {
    forward: f.nadeForward as NadeKernels["forward"],
    backward: f.nadeBackward as NadeKernels["backward"],
    sample: f.nadeSample as NadeKernels["sample"],
  };
  return cached;
}
