/**
 * Tensor: an n-d view (shape + strides) over a garbage-collected typed array, with autograd bookkeeping — data only.
 * The method API (`a.add(b)`, `x.sum(1)`, `loss.backward()` …) is attached by the ops layer (src/ops/methods.ts,
 * declared on this class by module augmentation); import the Tensor from src/tensor/tensor.ts (or the package), which
 * guarantees the methods are installed.
 * Engine code below the methods (ops, autograd, fused, backend) imports this file.
 *
 * Views share storage: reshape of a contiguous tensor, permute/transpose (strided). Every other op reads its inputs
 * contiguously (copying a strided view first) and writes a new contiguous tensor; matmul reads transposed views
 * directly through the GEMM's transpose flags.
 */
import type { Storage } from "../backend/backend.js";
import { dtypeOf, noteTensorOver, type DType } from "./storage.js";
import { contiguousStrides, fmt, type Shape, sizeOf } from "./shape.js";

/** A recorded op in a tensor's history; the tape (src/autograd/tape.ts) creates and reads these. */
export interface GradNode {
  op: string;
  inputs: Tensor[];
  saved: unknown;
  freed: boolean;
}

export class Tensor {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly data: Storage;
  requiresGrad = false;
  grad: Tensor | null = null;
  node: GradNode | null = null;

  constructor(data: Storage, shape: Shape, strides?: readonly number[]) {
    const n = sizeOf(shape);
    if (!strides && data.length !== n) {
      throw new RangeError(`Tensor: ${data.length} values do not fill shape ${fmt(shape)} (${n} elements)`);
    }
    this.data = data;
    noteTensorOver(data);
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return sizeOf(this.shape);
  }

  isContiguous(): boolean {
    let s = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.strides[d] !== s) return false;
      s *= this.shape[d]!;
    }
    return true;
  }

  /** Marks a leaf as a parameter to differentiate with respect to. Returns this. */
  requireGrad(flag = true): this {
    if (this.node) throw new TypeError("requireGrad: only leaf tensors can be marked; use detach() first");
    this.requiresGrad = flag;
    return this;
  }

  /** The same values, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.strides);
  }

  zeroGrad(): void {
    this.grad = null;
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype}${this.requiresGrad ? ", requiresGrad" : ""})`;
  }
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
