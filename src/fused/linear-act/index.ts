/**
 * A fully connected layer and its activation as one fused op: y = act(x Wᵀ + b) with act tanh, relu or none (the
 * layers of an MLP). Forward is one GEMM with the activation applied while the output is in cache; backward is one
 * call that forms act'(·) ⊙ g in a reused scratch buffer and runs the bias sum and both GEMMs — in place of the
 * separate activation, activation-gradient, sum and matmul ops, each with its own output tensor.
 * Kernels: reference.ts (plain loops, the oracle), native.ts (float32).
 */
import { UnaryOp } from "../../backend/backend.js";
import type { Tensor } from "../../tensor/tensor-data.js";
import type { DType } from "../../tensor/storage.js";
import { checkLinear, contiguousData, empty } from "../../ops/util.js";
import { defineFusedOp, kernelsFor } from "../fused-op.js";
import type { LinearActKernels } from "./kernels.js";
import { nativeLinearAct } from "./native.js";
import { referenceLinearAct } from "./reference.js";

/** The activations the fused layer applies; null for none. */
export type LinearActivation = "tanh" | "relu" | null;

const kernels = (dtype: DType): LinearActKernels => kernelsFor(dtype, referenceLinearAct, nativeLinearAct);
const code = (a: LinearActivation): number => (a === null ? -1 : UnaryOp[a]);

export const linearActOp = defineFusedOp<"linearAct", { act: number; hasBias: boolean }>({
  name: "linearAct",
  // y = act(z), z = x Wᵀ + b:  gz = act'(z) ⊙ g,  ∂x = gz W,  ∂W = gzᵀ x,  ∂b = Σ_rows gz  (x, g as rows)
  gradRule: (g, [x, w, b], out, s) => {
    const [n, k] = w!.shape as [number, number],
      m = x!.size / Math.max(k, 1);
    const gx = x!.requiresGrad ? empty(x!.shape, x!.dtype) : null,
      gw = w!.requiresGrad ? empty(w!.shape, w!.dtype) : null,
      gb = s.hasBias && b!.requiresGrad ? empty(b!.shape, b!.dtype) : null;
    if (m > 0 && n > 0)
      kernels(w!.dtype).backward(
        contiguousData(x!),
        contiguousData(w!),
        out.data,
        contiguousData(g),
        gx?.data ?? null,
        gw?.data ?? null,
        gb?.data ?? null,
        m,
        k,
        n,
        s.act,
      );
    else for (const t of [gx, gw, gb]) t?.data.fill(0);
    return s.hasBias ? [gx, gw, gb] : [gx, gw];
  },
});

/** act(x [..., in] · weight [out, in]ᵀ + bias [out]) → [..., out] in one op; act "tanh", "relu" or null. */
export function linearActivation(x: Tensor, weight: Tensor, bias: Tensor | null, activation: LinearActivation): Tensor {
  const { n, k } = checkLinear("linearActivation", x, weight, bias);
  if (activation !== null && activation !== "tanh" && activation !== "relu")
    throw new RangeError(`linearActivation: activation ${JSON.stringify(activation)} is not "tanh", "relu" or null`);
  const m = x.size / Math.max(k, 1);
  const out = empty([...x.shape.slice(0, -1), n], x.dtype);
  if (out.size > 0)
    kernels(x.dtype).forward(
      contiguousData(x),
      contiguousData(weight),
      bias ? contiguousData(bias) : null,
      out.data,
      m,
      k,
      n,
      code(activation),
    );
  return linearActOp.record(bias ? [x, weight, bias] : [x, weight], out, { act: code(activation), hasBias: !!bias });
}
