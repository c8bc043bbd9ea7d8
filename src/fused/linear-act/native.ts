/** The fused linear layer's native kernels (native/fused/linear-act/), looked up once. */
import { lazyAddonKernels } from "../fused-op.js";
import type { LinearActKernels } from "./kernels.js";

export const nativeLinearAct = lazyAddonKernels<LinearActKernels>("linearAct", {
  forward: "linearActForward",
  backward: "linearActBackward",
});
