/** The masked linear layer's native kernels (native/fused/masked-linear/), looked up once. */
import { lazyAddonKernels } from "../fused-op.js";
import type { MaskedLinearKernels } from "./kernels.js";

export const nativeMaskedLinear = lazyAddonKernels<MaskedLinearKernels>("maskedLinear", {
  forward: "maskedLinearForward",
  gradInput: "maskedLinearGradInput",
  gradWeight: "maskedLinearGradWeight",
});
