/** Helpers shared by the op modules: backend choice per dtype, output allocation, contiguous reads. */
import type { Backend, Storage } from "../backend/backend.js";
import { getBackend, referenceBackend } from "../backend/registry.js";
import { allocate, allocateUninit, type DType } from "../tensor/storage.js";
import { contiguousStrides, fmt, type Shape, sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor-data.js";

/** float64 always runs on the reference backend (the native kernels are float32). */
export function backendFor(dtype: DType): Backend {
  return dtype === "float64" ? referenceBackend : getBackend();
}

/** An uninitialized tensor for a kernel to overwrite completely (see allocateUninit). */
export function empty(shape: Shape, dtype: DType): Tensor {
  return new Tensor(allocateUninit(dtype, sizeOf(shape)), shape);
}

export function zerosOf(shape: Shape, dtype: DType): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape);
}

/** The values of t in row-major order: its own storage when contiguous, else a packed copy. */
export function contiguousData(t: Tensor): Storage {
  if (t.isContiguous() && t.data.length === t.size) return t.data;
  const out = allocateUninit(t.dtype, t.size);
  if (t.size > 0)
    backendFor(t.dtype).stridedCopy(t.data, out, [...t.shape], [...t.strides], 0, contiguousStrides(t.shape), 0, false);
  return out;
}

export function sameDType(op: string, a: Tensor, b: Tensor): DType {
  if (a.dtype !== b.dtype) {
    throw new TypeError(
      `${op}: dtypes differ (${a.dtype} ${fmt(a.shape)} and ${b.dtype} ${fmt(b.shape)}); ` +
        `convert one with .to("${a.dtype}")`,
    );
  }
  return a.dtype;
}

/**
 * The operands of a fully connected layer x [..., in] · weight [out, in]ᵀ + bias [out] (linear, maskedLinear,
 * linearActivation): tensors of one dtype, shapes that fit. Returns out (n), in (k) and the dtype.
 */
export function checkLinear(op: string, x: Tensor, weight: Tensor, bias: Tensor | null) {
  checkTensor(op, x);
  checkTensor(op, weight, "weight");
  const dtype = sameDType(op, x, weight);
  if (weight.ndim !== 2) throw new TypeError(`${op}: weight ${fmt(weight.shape)} must be [out, in]`);
  const [n, k] = weight.shape as [number, number];
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== k)
    throw new TypeError(
      `${op}: input ${fmt(x.shape)} × weight ${fmt(weight.shape)}ᵀ: ` +
        `input has ${x.shape[x.ndim - 1]} features, weight expects ${k}`,
    );
  if (bias) {
    sameDType(op, x, bias);
    if (bias.ndim !== 1 || bias.shape[0] !== n) throw new TypeError(`${op}: bias ${fmt(bias.shape)} must be [${n}]`);
  }
  return { n, k, dtype };
}

export function checkTensor(op: string, x: unknown, name = "input"): asserts x is Tensor {
  if (!(x instanceof Tensor))
    throw new TypeError(`${op}: ${name} must be a Tensor, got ${x === null ? "null" : typeof x}`);
}

export function scalarLike(v: number, like: Tensor): Tensor {
  const data = allocate(like.dtype, 1);
  data[0] = v;
  return new Tensor(data, []);
}
