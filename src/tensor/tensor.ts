/**
 * Tensor: an n-d view (shape + strides) over a garbage-collected typed array, with autograd bookkeeping.
 * Views share storage: reshape of a contiguous tensor, permute/transpose (strided). Every other op reads its inputs
 * contiguously (copying a strided view first) and writes a new contiguous tensor; matmul reads transposed views
 * directly through the GEMM's transpose flags.
 */
import type { Storage } from "../backend/backend.js";
import { backward as runBackward, type BackwardOptions } from "../autograd/tape.js";
import { gradRules } from "../autograd/gradient-table.js";
import { allocate, dtypeOf, type DType } from "./storage.js";
import { contiguousStrides, fmt, type Shape, sizeOf } from "./shape.js";
import * as E from "../ops/elementwise.js";
import * as R from "../ops/reduce.js";
import * as M from "../ops/movement.js";
import * as LA from "../ops/linalg.js";

type Operand = Tensor | number;

/** A recorded op in a tensor's history; the tape (src/autograd/tape.ts) creates and reads these. */
export interface GradNode {
  op: string;
  inputs: Tensor[];
  saved: unknown;
  freed: boolean;
}
type Axes = number | readonly number[];

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

  backward(grad?: Tensor, opts: BackwardOptions = {}): void {
    runBackward(
      this,
      grad,
      opts,
      gradRules,
      (a, b) => a.add(b),
      (t) => E.fullLike(t, 1),
    );
  }

  zeroGrad(): void {
    this.grad = null;
  }

  /** Values in row-major order as a plain array. */
  toArray(): number[] {
    return Array.from(M.contiguousData(this));
  }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new RangeError(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, not 1`);
    return M.contiguousData(this)[0]!;
  }
  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype}${this.requiresGrad ? ", requiresGrad" : ""})`;
  }

  // elementwise
  add(o: Operand): Tensor {
    return E.add(this, o);
  }
  sub(o: Operand): Tensor {
    return E.sub(this, o);
  }
  mul(o: Operand): Tensor {
    return E.mul(this, o);
  }
  div(o: Operand): Tensor {
    return E.div(this, o);
  }
  pow(o: Operand): Tensor {
    return E.pow(this, o);
  }
  minimum(o: Operand): Tensor {
    return E.minimum(this, o);
  }
  maximum(o: Operand): Tensor {
    return E.maximum(this, o);
  }
  eq(o: Operand): Tensor {
    return E.compare("eq", this, o);
  }
  ne(o: Operand): Tensor {
    return E.compare("ne", this, o);
  }
  lt(o: Operand): Tensor {
    return E.compare("lt", this, o);
  }
  le(o: Operand): Tensor {
    return E.compare("le", this, o);
  }
  gt(o: Operand): Tensor {
    return E.compare("gt", this, o);
  }
  ge(o: Operand): Tensor {
    return E.compare("ge", this, o);
  }
  neg(): Tensor {
    return E.unaryOp("neg", this);
  }
  exp(): Tensor {
    return E.unaryOp("exp", this);
  }
  log(): Tensor {
    return E.unaryOp("log", this);
  }
  log1p(): Tensor {
    return E.unaryOp("log1p", this);
  }
  expm1(): Tensor {
    return E.unaryOp("expm1", this);
  }
  sqrt(): Tensor {
    return E.unaryOp("sqrt", this);
  }
  square(): Tensor {
    return E.unaryOp("square", this);
  }
  abs(): Tensor {
    return E.unaryOp("abs", this);
  }
  sigmoid(): Tensor {
    return E.unaryOp("sigmoid", this);
  }
  logSigmoid(): Tensor {
    return E.unaryOp("logSigmoid", this);
  }
  tanh(): Tensor {
    return E.unaryOp("tanh", this);
  }
  relu(): Tensor {
    return E.unaryOp("relu", this);
  }
  leakyRelu(slope = 0.01): Tensor {
    return E.unaryOp("leakyRelu", this, slope);
  }
  elu(alpha = 1): Tensor {
    return E.unaryOp("elu", this, alpha);
  }
  softplus(): Tensor {
    return E.unaryOp("softplus", this);
  }
  erf(): Tensor {
    return E.unaryOp("erf", this);
  }
  reciprocal(): Tensor {
    return E.unaryOp("reciprocal", this);
  }
  sign(): Tensor {
    return E.sign(this);
  }
  clamp(min = -Infinity, max = Infinity): Tensor {
    return E.clamp(this, min, max);
  }

  // reductions
  sum(axes?: Axes, keepDims = false): Tensor {
    return R.reduceOp("sum", this, axes, keepDims);
  }
  mean(axes?: Axes, keepDims = false): Tensor {
    return R.mean(this, axes, keepDims);
  }
  max(axes?: Axes, keepDims = false): Tensor {
    return R.reduceOp("max", this, axes, keepDims);
  }
  min(axes?: Axes, keepDims = false): Tensor {
    return R.reduceOp("min", this, axes, keepDims);
  }
  logSumExp(axes?: Axes, keepDims = false): Tensor {
    return R.reduceOp("logSumExp", this, axes, keepDims);
  }
  variance(axes?: Axes, keepDims = false, correction = 0): Tensor {
    return R.variance(this, axes, keepDims, correction);
  }
  softmax(axis = -1): Tensor {
    return R.softmax(this, axis, false);
  }
  logSoftmax(axis = -1): Tensor {
    return R.softmax(this, axis, true);
  }

  // linear algebra
  matmul(o: Tensor): Tensor {
    return LA.matmul(this, o);
  }

  // movement
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return M.reshape(this, shape.flat());
  }
  flatten(startAxis = 0, endAxis = -1): Tensor {
    return M.flatten(this, startAxis, endAxis);
  }
  permute(...perm: number[] | [readonly number[]]): Tensor {
    return M.permute(this, perm.flat());
  }
  transpose(a = -2, b = -1): Tensor {
    return M.transpose(this, a, b);
  }
  /** The transpose of the last two dims (a view). */
  get T(): Tensor {
    return M.transpose(this, -2, -1);
  }
  unsqueeze(axis: number): Tensor {
    return M.unsqueeze(this, axis);
  }
  squeeze(axis?: number): Tensor {
    return M.squeeze(this, axis);
  }
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return M.expand(this, shape.flat());
  }
  contiguous(): Tensor {
    return M.contiguous(this);
  }
  slice(axis: number, start: number, end?: number, step = 1): Tensor {
    return M.slice(this, axis, start, end, step);
  }
  narrow(axis: number, start: number, length: number): Tensor {
    return M.slice(this, axis, start, start + length);
  }
  pad(pads: ReadonlyArray<readonly [number, number]>, value = 0): Tensor {
    return M.pad(this, pads, value);
  }
  indexSelect(axis: number, index: ArrayLike<number>): Tensor {
    return M.indexSelect(this, axis, index);
  }
  gather(axis: number, index: Tensor | Int32Array, indexShape?: Shape): Tensor {
    return M.gather(this, axis, index, indexShape);
  }
  clone(): Tensor {
    return M.copy(this);
  }
  to(dtype: DType): Tensor {
    return M.cast(this, dtype);
  }
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

export { allocate };
