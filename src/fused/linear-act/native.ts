/** The fused linear layer's native kernels (native/kernels/gemm.cc), looked up in the addon once. */
import { addonFunctions } from "../fused-op.js";
import type { LinearActKernels } from "./kernels.js";

let cached: LinearActKernels | null = null;

export function nativeLinearAct(): LinearActKernels {
  if (cached) return cached;
  const f = addonFunctions("linearAct", ["linearActForward", "linearActBackward"] as const);
  // same arguments in the same order as LinearActKernels (native/fused/linear-act/binding.cc)
  cached = {
    forward: f.linearActForward as LinearActKernels["forward"],
    backward: f.linearActBackward as LinearActKernels["backward"],
  };
  return cached;
}
