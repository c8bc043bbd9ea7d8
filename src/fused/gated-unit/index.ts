/**
 * The gated unit of Gated PixelCNN [1], tanh(a) ⊙ σ(b), as one fused op over x [B, 2F, ...] (optionally x + y):
 * each of `groups` colour groups holds its own a then b halves of F/groups channels each, so per image and group the
 * a and b blocks are two contiguous runs. Forward and backward are one pass each — in place of the slices (copies),
 * tanh, σ, product, the sum feeding it and the gradients of each, every one a pass over the activations and a fresh
 * buffer. The backward recomputes tanh and σ from the input rather than keeping them.
 * Kernels: reference.ts (plain loops, the oracle), native.ts (native/fused/gated-unit/, float32).
 * [1]: van den Oord et al. (2016), Conditional Image Generation with PixelCNN Decoders, arXiv:1606.05328
 */
import { fmt } from "../../tensor/shape.js";
import type { DType } from "../../tensor/storage.js";
import type { Tensor } from "../../tensor/tensor-data.js";
import { checkTensor, contiguousData, empty, sameDType } from "../../ops/util.js";
import { defineFusedOp, kernelsFor } from "../fused-op.js";
import type { GatedUnitKernels } from "./kernels.js";
import { nativeGatedUnit } from "./native.js";
import { referenceGatedUnit } from "./reference.js";

const kernels = (dtype: DType): GatedUnitKernels => kernelsFor(dtype, referenceGatedUnit, nativeGatedUnit);

export interface GatedUnitSaved {
  /** rows (images × groups) and values per half-row */
  R: number;
  M: number;
  hasY: boolean;
}

export const gatedUnitOp = defineFusedOp<"gatedUnit", GatedUnitSaved>({
  name: "gatedUnit",
  // z = x + y, t = tanh(a), s = σ(b): ∂a = g·s·(1 − t²), ∂b = g·t·s·(1 − s); ∂x = ∂y = ∂z
  gradRule: (g, inputs, _out, s) => {
    const x = inputs[0]!,
      y = s.hasY ? inputs[1]! : null;
    const gz = empty(x.shape, x.dtype);
    if (x.size > 0)
      kernels(x.dtype).backward(contiguousData(x), y ? contiguousData(y) : null, contiguousData(g), gz.data, s.R, s.M);
    // one tensor for both inputs: gradients are never written in place, so sharing it is safe
    return y ? [x.requiresGrad ? gz : null, y.requiresGrad ? gz : null] : [gz];
  },
});

/**
 * tanh(a) ⊙ σ(b) of z = x (+ y), both [B, 2F, ...]: channel block g of z (2F/groups channels) is [a_g | b_g], and
 * output channels g·F/groups … hold tanh(a_g) ⊙ σ(b_g). Returns [B, F, ...].
 */
export function gatedUnit(x: Tensor, groups: number, y: Tensor | null = null): Tensor {
  checkTensor("gatedUnit", x);
  if (x.ndim < 2) throw new TypeError(`gatedUnit: input ${fmt(x.shape)} must be [batch, channels, ...]`);
  const [B, F2] = x.shape as [number, number];
  if (!(Number.isInteger(groups) && groups >= 1) || F2 % (2 * groups) !== 0)
    throw new RangeError(`gatedUnit: ${F2} channels must split into ${groups} groups of a and b halves`);
  if (y) {
    checkTensor("gatedUnit", y, "y");
    sameDType("gatedUnit", x, y);
    if (fmt(y.shape) !== fmt(x.shape))
      throw new TypeError(`gatedUnit: y ${fmt(y.shape)} must have the input's shape ${fmt(x.shape)}`);
  }
  const R = B * groups,
    M = x.size / Math.max(1, 2 * R);
  const out = empty([B, F2 / 2, ...x.shape.slice(2)], x.dtype);
  if (out.size > 0) kernels(x.dtype).forward(contiguousData(x), y ? contiguousData(y) : null, out.data, R, M);
  return gatedUnitOp.record(y ? [x, y] : [x], out, { R, M, hasY: !!y });
}

/**
 * The forward alone, nothing recorded, into a caller's buffer (cached samplers, which run it once per pixel and
 * layer): z = x (+ y) as [R, 2, M] rows of a then b halves → out [R, M] = tanh(a) ⊙ σ(b), float32.
 */
export function gatedUnitInto(x: Float32Array, y: Float32Array | null, out: Float32Array, R: number, M: number): void {
  if (!(Number.isInteger(R) && R >= 0 && Number.isInteger(M) && M >= 0))
    throw new RangeError(`gatedUnitInto: rows ${R} and half-width ${M} must be non-negative integers`);
  if (x.length !== 2 * R * M || (y && y.length !== x.length) || out.length !== R * M)
    throw new TypeError(
      `gatedUnitInto: x of ${x.length}${y ? `, y of ${y.length}` : ""} and out of ${out.length} values ` +
        `do not fit [${R}, 2, ${M}] → [${R}, ${M}]`,
    );
  if (out.length > 0) kernels("float32").forward(x, y, out, R, M);
}
