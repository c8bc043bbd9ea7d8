/** dtypes and storage allocation. */
import type { Storage } from "../backend/backend.js";

export type DType = "float32" | "float64";

let bytesAllocated = 0;

/** Bytes handed out by allocate and allocateUninit since the process started (every op output): for benchmarks. */
export function storageBytesAllocated(): number {
  return bytesAllocated;
}

/** A new array of n elements. Contents are zero. */
export function allocate(dtype: DType, n: number): Storage {
  bytesAllocated += n * (dtype === "float64" ? 8 : 4);
  return dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
}

const UNINIT_MIN_BYTES = 4096;

/**
 * A new array of n elements with unspecified contents, for outputs a kernel overwrites entirely: skips zero-filling
 * (a memset per op) for large arrays. Never hand one to code that reads before writing.
 */
export function allocateUninit(dtype: DType, n: number): Storage {
  const bytes = n * (dtype === "float64" ? 8 : 4);
  if (bytes < UNINIT_MIN_BYTES) return allocate(dtype, n);
  bytesAllocated += bytes;
  const buf = Buffer.allocUnsafeSlow(bytes).buffer;
  return dtype === "float64" ? new Float64Array(buf, 0, n) : new Float32Array(buf, 0, n);
}

export function dtypeOf(s: Storage): DType {
  return s instanceof Float64Array ? "float64" : "float32";
}

export function toStorage(dtype: DType, values: ArrayLike<number>): Storage {
  return dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values);
}
