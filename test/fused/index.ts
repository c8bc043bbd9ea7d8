/** The gradient-check and parity cases of every fused op (one import and one entry per op, like src/fused). */
import type { OpCase } from "../cases.js";
import { linearActCases } from "./linear-act.cases.js";
import { batchNormCases } from "./batch-norm.cases.js";
import { gatedUnitCases } from "./gated-unit.cases.js";
import { lstmScanCases } from "./lstm-scan.cases.js";
import { maskedLinearCases } from "./masked-linear.cases.js";
import { nadeCases } from "./nade.cases.js";

export const fusedCases: OpCase[] = [
  ...nadeCases,
  ...lstmScanCases,
  ...maskedLinearCases,
  ...linearActCases,
  ...batchNormCases,
  ...gatedUnitCases,
];
