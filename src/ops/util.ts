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

export function checkTensor(op: string, x: unknown, name = "input"): asserts x is Tensor {
  if (!(x instanceof Tensor))
    throw new TypeError(`${op}: ${name} must be a Tensor, got ${x === null ? "null" : typeof x}`);
}

export function scalarLike(v: number, like: Tensor): Tensor {
  const data = allocate(like.dtype, 1);
  data[0] = v;
  return new Tensor(data, []);
}
