/** The LSTM recurrence's native kernels (native/fused/lstm-scan/), looked up once. */
import { lazyAddonKernels } from "../fused-op.js";
import type { LstmScanKernels } from "./kernels.js";

export const nativeLstmScan = lazyAddonKernels<LstmScanKernels>("lstmScan", {
  forward: "lstmScanForward",
  backward: "lstmScanBackward",
});
