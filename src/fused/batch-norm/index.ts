/**
 * Batch normalisation in training mode as one fused op [1]: per channel the batch mean and biased variance, then
 * y = (x − mean)/√(var + eps)·w + b, in one kernel pass each way instead of a chain of reductions and elementwise
 * ops (each a pass over the activations and a fresh buffer). The gradient flows through the batch statistics.
 * Kernels: reference.ts (plain loops, the oracle), native.ts (native/fused/batch-norm/, float32).
 * [1]: Ioffe & Szegedy, Batch Normalization, ICML 2015.
 */
import type { Storage } from "../../backend/backend.js";
import { fmt } from "../../tensor/shape.js";
import { allocate, type DType } from "../../tensor/storage.js";
import type { Tensor } from "../../tensor/tensor-data.js";
import { checkTensor, contiguousData, empty, sameDType } from "../../ops/util.js";
import { defineFusedOp, kernelsFor } from "../fused-op.js";
import type { BatchNormKernels } from "./kernels.js";
import { nativeBatchNorm } from "./native.js";
import { referenceBatchNorm } from "./reference.js";

const kernels = (dtype: DType): BatchNormKernels => kernelsFor(dtype, referenceBatchNorm, nativeBatchNorm);

export interface BatchNormSaved {
  mean: Storage;
  variance: Storage;
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
}

export const batchNormOp = defineFusedOp<"batchNorm", BatchNormSaved>({
  name: "batchNorm",
  // per channel, x̂ the normalised input: ∂b = Σgy, ∂w = Σgy·x̂,
  // ∂x = w/√(var + eps)·(gy − mean(gy) − x̂·mean(gy·x̂))
  gradRule: (g, inputs, _out, s) => {
    const x = inputs[0]!,
      w = s.hasWeight ? inputs[1]! : null,
      b = s.hasBias ? inputs[s.hasWeight ? 2 : 1]! : null;
    const [N, C] = x.shape as [number, number],
      S = x.size / Math.max(1, N * C);
    const gx = x.requiresGrad ? empty(x.shape, x.dtype) : null,
      gw = w?.requiresGrad ? empty(w.shape, w.dtype) : null,
      gb = b?.requiresGrad ? empty(b.shape, b.dtype) : null;
    kernels(x.dtype).backward(
      contiguousData(x),
      w ? contiguousData(w) : null,
      s.mean,
      s.variance,
      contiguousData(g),
      gx?.data ?? null,
      gw?.data ?? null,
      gb?.data ?? null,
      N,
      C,
      S,
      s.eps,
    );
    return [gx, ...(w ? [gw] : []), ...(b ? [gb] : [])];
  },
});

/**
 * Batch normalisation with batch statistics over every axis but 1 of x [N, C, ...]; weight and bias [C] or null.
 * Returns the output and the per-channel batch mean and biased variance (for running estimates).
 */
export function batchNormTrain(
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): { y: Tensor; mean: Storage; variance: Storage } {
  checkTensor("batchNorm", x);
  if (x.ndim < 2) throw new TypeError(`batchNorm: input ${fmt(x.shape)} must be [N, C, ...]`);
  const [N, C] = x.shape as [number, number];
  for (const [t, name] of [
    [weight, "weight"],
    [bias, "bias"],
  ] as const) {
    if (!t) continue;
    checkTensor("batchNorm", t, name);
    sameDType("batchNorm", x, t);
    if (t.ndim !== 1 || t.shape[0] !== C) throw new TypeError(`batchNorm: ${name} ${fmt(t.shape)} must be [${C}]`);
  }
  if (!(eps > 0)) throw new RangeError(`batchNorm: eps must be positive, got ${eps}`);
  const S = x.size / Math.max(1, N * C),
    y = empty(x.shape, x.dtype),
    mean = allocate(x.dtype, C),
    variance = allocate(x.dtype, C);
  if (x.size > 0)
    kernels(x.dtype).forward(
      contiguousData(x),
      weight ? contiguousData(weight) : null,
      bias ? contiguousData(bias) : null,
      y.data,
      mean,
      variance,
      N,
      C,
      S,
      eps,
    );
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const out = batchNormOp.record(inputs, y, { mean, variance, eps, hasWeight: !!weight, hasBias: !!bias });
  return { y: out, mean, variance };
}
