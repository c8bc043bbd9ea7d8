/** The LSTM recurrence's native kernels (native/fused/lstm-scan/), looked up once and typed as LstmScanKernels. */
import { addonFunctions } from "../fused-op.js";
import type { LstmScanKernels } from "./kernels.js";

let cached: LstmScanKernels | null = null;

export function nativeLstmScan(): LstmScanKernels {
  if (cached) return cached;
  const f = addonFunctions("lstmScan", ["lstmScanForward", "lstmScanBackward"] as const);
  // same arguments in the same order as LstmScanKernels (native/fused/lstm-scan/binding.cc)
  cached = {
    forward: f.lstmScanForward as LstmScanKernels["forward"],
    backward: f.lstmScanBackward as LstmScanKernels["backward"],
  };
  return cached;
}
