/**
 * The contract of a fused op: one module (src/fused/<name>/) holds its forward, its gradient rule, its reference
 * loops and the lookup of its native kernels. The op defines itself with `defineFusedOp`, whose required `gradRule`
 * means a fused op cannot exist without its rule; src/fused/index.ts lists the defined ops, and from that list the
 * `Op` union and the gradient table are assembled (src/autograd/gradient-table.ts).
 */
import { recordNode, type GradRule } from "../autograd/tape.js";
import { nativeAddon } from "../backend/registry.js";
import { backendFor } from "../ops/util.js";
import type { DType } from "../tensor/storage.js";
import type { Tensor } from "../tensor/tensor-data.js";

export interface FusedOp<Name extends string, Saved> {
  /** the op's name on the tape (unique among all ops) */
  readonly name: Name;
  /** the rule backward() applies to nodes of this op */
  readonly gradRule: GradRule<Saved>;
  /** hangs this op on `out` when an input requires grad (the forward calls it last); returns out */
  record(inputs: Tensor[], out: Tensor, saved: Saved): Tensor;
}

/** What a fused op saves for its backward, read off its definition. */
export type SavedOf<F> = F extends FusedOp<string, infer S> ? S : never;

export function defineFusedOp<Name extends string, Saved = Record<string, never>>(spec: {
  name: Name;
  gradRule: GradRule<Saved>;
}): FusedOp<Name, Saved> {
  return {
    name: spec.name,
    gradRule: spec.gradRule,
    record: (inputs, out, saved) => recordNode(spec.name, inputs, out, saved),
  };
}

/**
 * The kernels to run for a dtype: the native ones when that dtype's work goes to the native backend (float32 with
 * the addon loaded), else the reference loops (float64 always, and float32 under DEEPGEN_BACKEND=reference).
 */
export function kernelsFor<K>(dtype: DType, reference: K, native: () => K): K {
  return backendFor(dtype).name === "native" ? native() : reference;
}

/**
 * The named functions of the native addon, for a fused op's native binding. Fails with what to do when the addon
 * was built before the op existed.
 */
export function addonFunctions<N extends string>(op: string, names: readonly N[]): Record<N, unknown> {
  const addon = nativeAddon();
  if (!addon) throw new Error(`${op}: the native addon is not loaded; run "npm run build:native"`);
  const out = {} as Record<N, unknown>;
  for (const n of names) {
    if (typeof addon[n] !== "function")
      throw new Error(
        `${op}: the native addon has no "${n}" (built before this op existed); run "npm run build:native"`,
      );
    out[n] = addon[n];
  }
  return out;
}

/**
 * A fused op's native kernels, looked up in the addon on first use and kept: `names` gives, for each kernel of K, the
 * addon function that takes the same arguments in the same order (the op's binding.cc).
 */
export function lazyAddonKernels<K extends object>(op: string, names: { readonly [P in keyof K]: string }): () => K {
  let cached: K | null = null;
  return () => {
    if (cached) return cached;
    const keys = Object.keys(names) as (keyof K & string)[];
    const f = addonFunctions(
      op,
      keys.map((k) => names[k]),
    );
    cached = Object.fromEntries(keys.map((k) => [k, f[names[k]]])) as K;
    return cached;
  };
}
