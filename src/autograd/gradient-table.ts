/**
 * THE gradient table backward() uses: the core rules (grad-rules.ts) and every registered fused op's rule
 * (src/fused/index.ts). `Op` is the union of both; the table's type `{ [K in Op]: GradRule<OpSaved[K]> }` makes a
 * core op without a rule fail `tsc`, and a fused op cannot be defined without one.
 */
import { fusedGradRules, type FusedOpSaved } from "../fused/index.js";
import { coreGradRules } from "./grad-rules.js";
import type { CoreOpSaved } from "./op.js";
import type { GradRule } from "./tape.js";

export type OpSaved = CoreOpSaved & FusedOpSaved;
/** Every differentiable op: the core ops and the registered fused ops. */
export type Op = keyof OpSaved;

// a fused op may not reuse a core op's name (the intersection above would silently merge the two)
const noNameClash: [keyof CoreOpSaved & keyof FusedOpSaved] extends [never] ? true : never = true;
void noNameClash;

export const gradRules: { readonly [K in Op]: GradRule<OpSaved[K]> } = { ...coreGradRules, ...fusedGradRules };
