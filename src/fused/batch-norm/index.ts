/**
 * Batch normalisation in training mode as one fused op [1]: per channel the batch mean and biased variance, then
 * y = act((x − mean)/√(var + eps)·w + b), in one kernel pass each way instead of a chain of reductions and
 * elementwise ops (each a pass over the activations and a fresh buffer). The gradient flows through the batch
 * statistics. The optional act (ReLU or leaky ReLU, the layer's activation in DCGAN) is applied as the output is
 * written, and its gradient, a mask read from the output's sign, in the backward's pass over the incoming gradient.
 * Kernels: reference.ts (plain loops, the oracle), native.ts (native/fused/batch-norm/, float32).
 * [1]: Ioffe & Szegedy, Batch Normalization, ICML 2015.
 */
import type { Storage } from "../../backend/backend.js";
import { fmt } from "../../tensor/shape.js";
import { allocate, type DType } from "../../tensor/storage.js";
import type { Tensor } from "../../tensor/tensor-data.js";
import { type Rectifier, rectifierSlope } from "../../ops/rectifier.js";
import { checkTensor, contiguousData, empty, sameDType } from "../../ops/util.js";
import { defineFusedOp, kernelsFor } from "../fused-op.js";
import { BN_LEAKY, BN_NONE, BN_RELU, type BatchNormKernels } from "./kernels.js";
import { nativeBatchNorm } from "./native.js";
import { referenceBatchNorm } from "./reference.js";

const kernels = (dtype: DType): BatchNormKernels => kernelsFor(dtype, referenceBatchNorm, nativeBatchNorm);

export interface BatchNormSaved {
  mean: Storage;
  variance: Storage;
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
  /** the activation's BN_* code and leaky slope */
  act: number;
  slope: number;
}

/** The activation batch norm applies to its output: ReLU, or leaky ReLU with `slope` (≥ 0, default 0.01). */
export interface BatchNormActivation {
  activation?: Rectifier;
  slope?: number;
}

export const batchNormOp = defineFusedOp<"batchNorm", BatchNormSaved>({
  name: "batchNorm",
  // per channel, x̂ the normalised input and gz = act'·gy (from the output's sign): ∂b = Σgz, ∂w = Σgz·x̂,
  // ∂x = w/√(var + eps)·(gz − mean(gz) − x̂·mean(gz·x̂))
  gradRule: (g, inputs, out, s) => {
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
      s.act === BN_NONE ? null : out.data,
      contiguousData(g),
      gx?.data ?? null,
      gw?.data ?? null,
      gb?.data ?? null,
      N,
      C,
      S,
      s.eps,
      s.act,
      s.slope,
    );
    return [gx, ...(w ? [gw] : []), ...(b ? [gb] : [])];
  },
});

/**
 * Batch normalisation with batch statistics over every axis but 1 of x [N, C, ...]; weight and bias [C] or null;
 * the output rectified by `act.activation` if given. Returns the output and the per-channel batch mean and biased
 * variance (for running estimates).
 */
export function batchNormTrain(
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  act: BatchNormActivation = {},
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
  const slope = rectifierSlope("batchNorm", act.activation, act.slope),
    code = slope === null ? BN_NONE : slope > 0 ? BN_LEAKY : BN_RELU;
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
      code,
      slope ?? 0,
    );
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const saved = { mean, variance, eps, hasWeight: !!weight, hasBias: !!bias, act: code, slope: slope ?? 0 };
  const out = batchNormOp.record(inputs, y, saved);
  return { y: out, mean, variance };
}
