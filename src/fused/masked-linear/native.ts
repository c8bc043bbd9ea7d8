/** The masked linear layer's native kernels (native/kernels/gemm.cc), looked up in the addon once. */
import { addonFunctions } from "../fused-op.js";
import type { MaskedLinearKernels } from "./kernels.js";

let cached: MaskedLinearKernels | null = null;

export function nativeMaskedLinear(): MaskedLinearKernels {
  if (cached) return cached;
  const f = addonFunctions("maskedLinear", [
    "maskedLinearForward",
    "maskedLinearGradInput",
    "maskedLinearGradWeight",
  ] as const);
  // same arguments in the same order as MaskedLinearKernels (native/fused/masked-linear/binding.cc)
  cached = {
    forward: f.maskedLinearForward as MaskedLinearKernels["forward"],
    gradInput: f.maskedLinearGradInput as MaskedLinearKernels["gradInput"],
    gradWeight: f.maskedLinearGradWeight as MaskedLinearKernels["gradWeight"],
  };
  return cached;
}
