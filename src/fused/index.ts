/**
 * The registry of fused ops: each entry is one module's `defineFusedOp(...)`. Adding a fused op is one module in
 * src/fused/<name>/ and one line here; its name then joins the `Op` union and its rule the gradient table.
 */
import type { GradRule } from "../autograd/tape.js";
import type { SavedOf } from "./fused-op.js";
import { linearActOp } from "./linear-act/index.js";
import { batchNormOp } from "./batch-norm/index.js";
import { gatedUnitOp } from "./gated-unit/index.js";
import { lstmScanOp } from "./lstm-scan/index.js";
import { maskedLinearOp } from "./masked-linear/index.js";
import { nadeOp } from "./nade/index.js";

export const fusedOps = [
  nadeOp, // NADE's recurrence (src/fused/nade)
  lstmScanOp, // an LSTM over rows or diagonals of an image (src/fused/lstm-scan)
  linearActOp, // act(x Wᵀ + b) and its backward in one call each (src/fused/linear-act)
  maskedLinearOp, // x (W ⊙ M)ᵀ + b with the mask inside the GEMM (src/fused/masked-linear)
  batchNormOp, // batch normalisation with batch statistics (src/fused/batch-norm)
  gatedUnitOp, // Gated PixelCNN's tanh(a) ⊙ σ(b) and its gradient in one pass each (src/fused/gated-unit)
] as const;

type FusedOpList = (typeof fusedOps)[number];

/** Each fused op's name → what its forward saves. */
export type FusedOpSaved = { [F in FusedOpList as F["name"]]: SavedOf<F> };

/** Each fused op's gradient rule, by name. */
export const fusedGradRules = Object.fromEntries(fusedOps.map((f) => [f.name, f.gradRule])) as {
  [K in keyof FusedOpSaved]: GradRule<FusedOpSaved[K]>;
};
