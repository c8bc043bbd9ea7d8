/** dtypes and storage allocation. */
import type { Storage } from "../backend/backend.js";

export type DType = "float32" | "float64";

/** A new array of n elements. Contents are zero. */
export function allocate(dtype: DType, n: number): Storage {
  return dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
}

export function dtypeOf(s: Storage): DType {
  return s instanceof Float64Array ? "float64" : "float32";
}

export function toStorage(dtype: DType, values: ArrayLike<number>): Storage {
  return dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values);
}
