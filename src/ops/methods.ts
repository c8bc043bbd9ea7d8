/**
 * The Tensor method API, attached to the data-only class (src/tensor/tensor-data.ts) by the ops layer. The module
 * augmentation below declares the methods on the class, so `a.add(b)` is typed wherever Tensor is; the assignments
 * install them when this module is first imported (src/tensor/tensor.ts imports it, as does the package root).
 * `backward()` is where the tape receives the gradient table: the tape itself knows no rule.
 */
import { backward as runBackward, type BackwardOptions } from "../autograd/tape.js";
import { gradRules } from "../autograd/gradient-table.js";
import type { DType } from "../tensor/storage.js";
import { fmt, type Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor-data.js";
import * as E from "./elementwise.js";
import * as R from "./reduce.js";
import * as M from "./movement.js";
import * as LA from "./linalg.js";

type Operand = Tensor | number;
type Axes = number | readonly number[];

/** Every method the ops layer gives a Tensor (the data-only members live on the class itself). */
export interface TensorMethods {
  /** Gradients of this scalar (or of Σ this ⊙ grad) into every leaf that requires grad, accumulated in `.grad`. */
  backward(grad?: Tensor, opts?: BackwardOptions): void;
  /** backward() of a scalar with options: `loss.backward({ releaseActivations: true })`. */
  backward(opts: BackwardOptions): void;
  /** Values in row-major order as a plain array. */
  toArray(): number[];
  /** The single value of a one-element tensor. */
  item(): number;

  // elementwise
  add(o: Operand): Tensor;
  sub(o: Operand): Tensor;
  mul(o: Operand): Tensor;
  div(o: Operand): Tensor;
  pow(o: Operand): Tensor;
  minimum(o: Operand): Tensor;
  maximum(o: Operand): Tensor;
  eq(o: Operand): Tensor;
  ne(o: Operand): Tensor;
  lt(o: Operand): Tensor;
  le(o: Operand): Tensor;
  gt(o: Operand): Tensor;
  ge(o: Operand): Tensor;
  neg(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  log1p(): Tensor;
  expm1(): Tensor;
  sqrt(): Tensor;
  square(): Tensor;
  abs(): Tensor;
  sigmoid(): Tensor;
  logSigmoid(): Tensor;
  tanh(): Tensor;
  relu(): Tensor;
  leakyRelu(slope?: number): Tensor;
  elu(alpha?: number): Tensor;
  softplus(): Tensor;
  erf(): Tensor;
  reciprocal(): Tensor;
  sign(): Tensor;
  clamp(min?: number, max?: number): Tensor;

  // reductions
  sum(axes?: Axes, keepDims?: boolean): Tensor;
  mean(axes?: Axes, keepDims?: boolean): Tensor;
  max(axes?: Axes, keepDims?: boolean): Tensor;
  min(axes?: Axes, keepDims?: boolean): Tensor;
  logSumExp(axes?: Axes, keepDims?: boolean): Tensor;
  variance(axes?: Axes, keepDims?: boolean, correction?: number): Tensor;
  softmax(axis?: number): Tensor;
  logSoftmax(axis?: number): Tensor;

  // linear algebra
  matmul(o: Tensor): Tensor;

  // movement
  reshape(...shape: number[] | [readonly number[]]): Tensor;
  flatten(startAxis?: number, endAxis?: number): Tensor;
  permute(...perm: number[] | [readonly number[]]): Tensor;
  transpose(a?: number, b?: number): Tensor;
  /** The transpose of the last two dims (a view). */
  readonly T: Tensor;
  unsqueeze(axis: number): Tensor;
  squeeze(axis?: number): Tensor;
  expand(...shape: number[] | [readonly number[]]): Tensor;
  contiguous(): Tensor;
  slice(axis: number, start: number, end?: number, step?: number): Tensor;
  narrow(axis: number, start: number, length: number): Tensor;
  pad(pads: ReadonlyArray<readonly [number, number]>, value?: number): Tensor;
  indexSelect(axis: number, index: ArrayLike<number>): Tensor;
  gather(axis: number, index: Tensor | Int32Array, indexShape?: Shape): Tensor;
  clone(): Tensor;
  to(dtype: DType): Tensor;
}

declare module "../tensor/tensor-data.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges the methods into the class's type
  interface Tensor extends TensorMethods {}
}

const methods: ThisType<Tensor> & Omit<TensorMethods, "T"> = {
  backward(grad?: Tensor | BackwardOptions, opts: BackwardOptions = {}) {
    const given = grad instanceof Tensor ? grad : undefined;
    runBackward(
      this,
      given,
      grad instanceof Tensor || grad == null ? opts : grad,
      gradRules,
      (a, b) => a.add(b),
      (t) => E.fullLike(t, 1),
    );
  },
  toArray() {
    return Array.from(M.contiguousData(this));
  },
  item() {
    if (this.size !== 1)
      throw new RangeError(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, not 1`);
    return M.contiguousData(this)[0]!;
  },

  add(o) {
    return E.add(this, o);
  },
  sub(o) {
    return E.sub(this, o);
  },
  mul(o) {
    return E.mul(this, o);
  },
  div(o) {
    return E.div(this, o);
  },
  pow(o) {
    return E.pow(this, o);
  },
  minimum(o) {
    return E.minimum(this, o);
  },
  maximum(o) {
    return E.maximum(this, o);
  },
  eq(o) {
    return E.compare("eq", this, o);
  },
  ne(o) {
    return E.compare("ne", this, o);
  },
  lt(o) {
    return E.compare("lt", this, o);
  },
  le(o) {
    return E.compare("le", this, o);
  },
  gt(o) {
    return E.compare("gt", this, o);
  },
  ge(o) {
    return E.compare("ge", this, o);
  },
  neg() {
    return E.unaryOp("neg", this);
  },
  exp() {
    return E.unaryOp("exp", this);
  },
  log() {
    return E.unaryOp("log", this);
  },
  log1p() {
    return E.unaryOp("log1p", this);
  },
  expm1() {
    return E.unaryOp("expm1", this);
  },
  sqrt() {
    return E.unaryOp("sqrt", this);
  },
  square() {
    return E.unaryOp("square", this);
  },
  abs() {
    return E.unaryOp("abs", this);
  },
  sigmoid() {
    return E.unaryOp("sigmoid", this);
  },
  logSigmoid() {
    return E.unaryOp("logSigmoid", this);
  },
  tanh() {
    return E.unaryOp("tanh", this);
  },
  relu() {
    return E.unaryOp("relu", this);
  },
  leakyRelu(slope = 0.01) {
    return E.unaryOp("leakyRelu", this, slope);
  },
  elu(alpha = 1) {
    return E.unaryOp("elu", this, alpha);
  },
  softplus() {
    return E.unaryOp("softplus", this);
  },
  erf() {
    return E.unaryOp("erf", this);
  },
  reciprocal() {
    return E.unaryOp("reciprocal", this);
  },
  sign() {
    return E.sign(this);
  },
  clamp(min = -Infinity, max = Infinity) {
    return E.clamp(this, min, max);
  },

  sum(axes, keepDims = false) {
    return R.reduceOp("sum", this, axes, keepDims);
  },
  mean(axes, keepDims = false) {
    return R.mean(this, axes, keepDims);
  },
  max(axes, keepDims = false) {
    return R.reduceOp("max", this, axes, keepDims);
  },
  min(axes, keepDims = false) {
    return R.reduceOp("min", this, axes, keepDims);
  },
  logSumExp(axes, keepDims = false) {
    return R.reduceOp("logSumExp", this, axes, keepDims);
  },
  variance(axes, keepDims = false, correction = 0) {
    return R.variance(this, axes, keepDims, correction);
  },
  softmax(axis = -1) {
    return R.softmax(this, axis, false);
  },
  logSoftmax(axis = -1) {
    return R.softmax(this, axis, true);
  },

  matmul(o) {
    return LA.matmul(this, o);
  },

  reshape(...shape) {
    return M.reshape(this, shape.flat());
  },
  flatten(startAxis = 0, endAxis = -1) {
    return M.flatten(this, startAxis, endAxis);
  },
  permute(...perm) {
    return M.permute(this, perm.flat());
  },
  transpose(a = -2, b = -1) {
    return M.transpose(this, a, b);
  },
  unsqueeze(axis) {
    return M.unsqueeze(this, axis);
  },
  squeeze(axis) {
    return M.squeeze(this, axis);
  },
  expand(...shape) {
    return M.expand(this, shape.flat());
  },
  contiguous() {
    return M.contiguous(this);
  },
  slice(axis, start, end, step = 1) {
    return M.slice(this, axis, start, end, step);
  },
  narrow(axis, start, length) {
    return M.slice(this, axis, start, start + length);
  },
  pad(pads, value = 0) {
    return M.pad(this, pads, value);
  },
  indexSelect(axis, index) {
    return M.indexSelect(this, axis, index);
  },
  gather(axis, index, indexShape) {
    return M.gather(this, axis, index, indexShape);
  },
  clone() {
    return M.copy(this);
  },
  to(dtype) {
    return M.cast(this, dtype);
  },
};

// Non-enumerable like class methods, so a Tensor's own keys stay its data.
for (const [name, fn] of Object.entries(methods))
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
Object.defineProperty(Tensor.prototype, "T", {
  get(this: Tensor) {
    return M.transpose(this, -2, -1);
  },
  configurable: true,
});
