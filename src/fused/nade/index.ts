/**
 * NADE's conditional logits as one fused op [1]: the O(DH) recurrence a_{i+1} = a_i + W_i x_i, h_i = σ(a_i),
 * logit_i = b_i + V_i·h_i in one kernel call instead of D small matmuls, with its gradient rule and ancestral
 * sampling. Kernels: reference.ts (plain loops, the oracle), native.ts (native/fused/nade/, float32).
 * [1]: Larochelle & Murray, The Neural Autoregressive Distribution Estimator, AISTATS 2011.
 */
import { fmt } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor-data.js";
import { checkTensor, contiguousData, empty, sameDType } from "../../ops/util.js";
import type { DType } from "../../tensor/storage.js";
import { defineFusedOp, kernelsFor } from "../fused-op.js";
import type { NadeKernels } from "./kernels.js";
import { nativeNade } from "./native.js";
import { referenceNade } from "./reference.js";

const kernels = (dtype: DType): NadeKernels => kernelsFor(dtype, referenceNade, nativeNade);

export const nadeOp = defineFusedOp({
  name: "nade",
  // the adjoint walks the positions backwards, recovering a_i = a_{i+1} − x_i W_i instead of storing them
  gradRule: (g, [x, W, c, V, b]) => {
    const [B, D] = x!.shape as [number, number],
      H = W!.shape[1]!;
    const gx = x!.requiresGrad ? empty(x!.shape, x!.dtype) : null;
    const gW = empty(W!.shape, W!.dtype),
      gc = empty(c!.shape, c!.dtype),
      gV = empty(V!.shape, V!.dtype),
      gb = empty(b!.shape, b!.dtype);
    kernels(W!.dtype).backward(
      contiguousData(x!),
      contiguousData(W!),
      contiguousData(c!),
      contiguousData(V!),
      contiguousData(g),
      gx ? gx.data : null,
      gW.data,
      gc.data,
      gV.data,
      gb.data,
      B,
      D,
      H,
    );
    return [gx, gW, gc, gV, gb];
  },
});

function check(W: Tensor, c: Tensor, V: Tensor, b: Tensor): [number, number] {
  for (const [t, n] of [
    [W, "W"],
    [c, "c"],
    [V, "V"],
    [b, "b"],
  ] as const) {
    checkTensor("nade", t, n);
    sameDType("nade", W, t);
  }
  if (W.ndim !== 2) throw new TypeError(`nade: W ${fmt(W.shape)} must be [D, H]`);
  const [D, H] = W.shape as [number, number];
  if (V.ndim !== 2 || V.shape[0] !== D || V.shape[1] !== H)
    throw new TypeError(`nade: V ${fmt(V.shape)} must be [${D},${H}] like W`);
  if (c.ndim !== 1 || c.shape[0] !== H) throw new TypeError(`nade: c ${fmt(c.shape)} must be [${H}]`);
  if (b.ndim !== 1 || b.shape[0] !== D) throw new TypeError(`nade: b ${fmt(b.shape)} must be [${D}]`);
  return [D, H];
}

/** logits[r, i] = b_i + V_i · σ(c + Σ_{j<i} W_j x[r, j]) for x [B, D]. */
export function nadeLogits(x: Tensor, W: Tensor, c: Tensor, V: Tensor, b: Tensor): Tensor {
  checkTensor("nade", x);
  const [D, H] = check(W, c, V, b);
  sameDType("nade", x, W);
  if (x.ndim !== 2 || x.shape[1] !== D) throw new TypeError(`nade: input ${fmt(x.shape)} must be [B, ${D}]`);
  const B = x.shape[0]!;
  const out = empty([B, D], x.dtype);
  if (out.size > 0)
    kernels(x.dtype).forward(
      contiguousData(x),
      contiguousData(W),
      contiguousData(c),
      contiguousData(V),
      contiguousData(b),
      out.data,
      B,
      D,
      H,
    );
  return nadeOp.record([x, W, c, V, b], out, {});
}

/** Fills the unobserved positions of x [n, D] by ancestral sampling, using uniforms u [n, D]. Not differentiable. */
export function nadeSample(
  x: Tensor,
  u: Float32Array | Float64Array,
  observed: Uint8Array | null,
  W: Tensor,
  c: Tensor,
  V: Tensor,
  b: Tensor,
): Tensor {
  const [D, H] = check(W, c, V, b);
  if (x.ndim !== 2 || x.shape[1] !== D) throw new TypeError(`nadeSample: x ${fmt(x.shape)} must be [n, ${D}]`);
  if (u.length !== x.size) throw new RangeError(`nadeSample: ${u.length} uniforms for ${x.size} values`);
  if (observed && observed.length !== D)
    throw new RangeError(`nadeSample: observed mask has ${observed.length} entries for ${D} positions`);
  const out = new Tensor(contiguousData(x).slice(), x.shape);
  const uu = x.dtype === "float64" ? Float64Array.from(u) : Float32Array.from(u);
  kernels(x.dtype).sample(
    contiguousData(W),
    contiguousData(c),
    contiguousData(V),
    contiguousData(b),
    uu,
    observed,
    out.data,
    x.shape[0]!,
    D,
    H,
  );
  return out;
}
