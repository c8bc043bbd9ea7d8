/**
 * A masked fully connected layer as one fused op: y = x (W ⊙ M)ᵀ + b (MADE, FVSBN). The native kernels apply the
 * mask inside the GEMM — to W while it is packed, and to each finished tile of the weight gradient — so neither
 * W ⊙ M nor an unmasked weight gradient is ever a tensor of its own (two full passes over W each way otherwise).
 * The mask is a constant of the op and gets no gradient. Kernels: reference.ts (plain loops, the oracle),
 * native.ts (float32).
 */
import { fmt } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor-data.js";
import type { DType } from "../../tensor/storage.js";
import { checkLinear, checkTensor, contiguousData, empty, sameDType } from "../../ops/util.js";
import { defineFusedOp, kernelsFor } from "../fused-op.js";
import type { MaskedLinearKernels } from "./kernels.js";
import { nativeMaskedLinear } from "./native.js";
import { referenceMaskedLinear } from "./reference.js";

const kernels = (dtype: DType): MaskedLinearKernels => kernelsFor(dtype, referenceMaskedLinear, nativeMaskedLinear);

export const maskedLinearOp = defineFusedOp<"maskedLinear", { mask: Tensor; hasBias: boolean }>({
  name: "maskedLinear",
  // y = x (W⊙M)ᵀ + b:  ∂x = g (W⊙M),  ∂W = (gᵀ x) ⊙ M,  ∂b = Σ_rows g   (x, g flattened to rows)
  gradRule: (g, [x, w, b], _out, s) => {
    const [n, k] = w!.shape as [number, number],
      m = x!.size / Math.max(k, 1);
    const gd = contiguousData(g),
      md = contiguousData(s.mask),
      K = kernels(w!.dtype);
    let gx: Tensor | null = null,
      gw: Tensor | null = null;
    if (x!.requiresGrad) {
      gx = empty(x!.shape, x!.dtype);
      if (gx.size > 0) K.gradInput(gd, contiguousData(w!), md, gx.data, m, k, n);
    }
    if (w!.requiresGrad) {
      gw = empty(w!.shape, w!.dtype);
      if (gw.size > 0) K.gradWeight(gd, contiguousData(x!), md, gw.data, m, k, n);
    }
    if (!s.hasBias) return [gx, gw];
    return [gx, gw, b!.requiresGrad ? g.reshape(-1, n).sum(0) : null];
  },
});

function check(x: Tensor, weight: Tensor, mask: Tensor, bias: Tensor | null): void {
  const { n, k } = checkLinear("maskedLinear", x, weight, bias);
  checkTensor("maskedLinear", mask, "mask");
  sameDType("maskedLinear", weight, mask);
  if (mask.ndim !== 2 || mask.shape[0] !== n || mask.shape[1] !== k)
    throw new TypeError(`maskedLinear: mask ${fmt(mask.shape)} must have the weight's shape [${n},${k}]`);
  if (mask.requiresGrad)
    throw new TypeError(
      "maskedLinear: the mask is a constant and gets no gradient; use linear(x, w.mul(mask)) instead",
    );
}

/** x [..., in] · (weight ⊙ mask) [out, in]ᵀ + bias [out] → [..., out]; the mask gets no gradient. */
export function maskedLinear(x: Tensor, weight: Tensor, mask: Tensor, bias: Tensor | null = null): Tensor {
  check(x, weight, mask, bias);
  const [n, k] = weight.shape as [number, number];
  const m = x.size / Math.max(k, 1);
  const out = empty([...x.shape.slice(0, -1), n], x.dtype);
  if (out.size > 0)
    kernels(x.dtype).forward(
      contiguousData(x),
      contiguousData(weight),
      contiguousData(mask),
      bias ? contiguousData(bias) : null,
      out.data,
      m,
      k,
      n,
    );
  return maskedLinearOp.record(bias ? [x, weight, bias] : [x, weight], out, { mask, hasBias: !!bias });
}
