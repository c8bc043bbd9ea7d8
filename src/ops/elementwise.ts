/** Elementwise ops: unary maps, broadcasting binary ops, comparisons, where. */
import { BinaryOp, type BinaryName, type UnaryName } from "../backend/backend.js";
import type { CoreOp } from "../autograd/op.js";
import { record } from "../autograd/tape.js";
import { broadcastShapes, broadcastStrides, collapseDims, type Shape, shapeEquals } from "../tensor/shape.js";
import { allocate, type DType } from "../tensor/storage.js";
import { Tensor } from "../tensor/tensor-data.js";
import { backendFor, checkTensor, contiguousData, empty, sameDType, scalarLike } from "./util.js";

type Operand = Tensor | number;
type RecordedUnary = Extract<UnaryName, CoreOp>;

export function unaryOp(op: RecordedUnary, x: Tensor, alpha = 0, beta = 0): Tensor {
  checkTensor(op, x);
  const out = empty(x.shape, x.dtype);
  backendFor(x.dtype).unary(op, contiguousData(x), out.data, alpha, beta);
  return record(op, [x], out, { alpha, beta });
}

export function sign(x: Tensor): Tensor {
  const out = empty(x.shape, x.dtype);
  backendFor(x.dtype).unary("sign", contiguousData(x), out.data, 0, 0);
  return out;
}

export function clamp(x: Tensor, min: number, max: number): Tensor {
  if (!(min <= max)) throw new RangeError(`clamp: min ${min} is greater than max ${max}`);
  return unaryOp("clamp", x, min, max);
}

/** Runs a broadcasting binary kernel; returns the (unrecorded) output. */
const UNIT = [1];

export function binaryKernel(op: BinaryName, a: Tensor, b: Tensor): Tensor {
  const dtype = sameDType(op, a, b);
  if (shapeEquals(a.shape, b.shape)) {
    // the common case: one flat loop, no broadcasting bookkeeping
    const out = empty(a.shape, dtype);
    if (out.size > 0)
      backendFor(dtype).binary(op, contiguousData(a), contiguousData(b), out.data, [out.size], UNIT, UNIT);
    return out;
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = empty(shape, dtype);
  if (out.size === 0) return out;
  const c = collapseDims(shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape));
  backendFor(dtype).binary(op, contiguousData(a), contiguousData(b), out.data, c.shape, c.strides[0]!, c.strides[1]!);
  return out;
}

function asTensor(op: string, x: Operand, like: Tensor): Tensor {
  if (typeof x === "number") return scalarLike(x, like);
  checkTensor(op, x, "operand");
  return x;
}

function binaryOp(op: "add" | "sub" | "mul" | "div" | "pow" | "minimum" | "maximum", a: Operand, b: Operand): Tensor {
  const like = a instanceof Tensor ? a : (b as Tensor);
  const ta = asTensor(op, a, like),
    tb = asTensor(op, b, like);
  return record(op, [ta, tb], binaryKernel(op, ta, tb), {});
}

// Scalar operands become one fused affine map (a·x + b) instead of a broadcast.
export function add(a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && typeof b === "number") return unaryOp("affine", a, 1, b);
  return binaryOp("add", a, b);
}
export function sub(a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && typeof b === "number") return unaryOp("affine", a, 1, -b);
  if (typeof a === "number" && b instanceof Tensor) return unaryOp("affine", b, -1, a);
  return binaryOp("sub", a, b);
}
export function mul(a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && typeof b === "number") return unaryOp("affine", a, b, 0);
  return binaryOp("mul", a, b);
}
export function div(a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && typeof b === "number") return unaryOp("affine", a, 1 / b, 0);
  return binaryOp("div", a, b);
}
export function pow(a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && typeof b === "number") return unaryOp("powScalar", a, b, 0);
  return binaryOp("pow", a, b);
}
export const minimum = (a: Operand, b: Operand): Tensor => binaryOp("minimum", a, b);
export const maximum = (a: Operand, b: Operand): Tensor => binaryOp("maximum", a, b);

/** Elementwise comparison giving 1 or 0; not differentiable. */
export function compare(op: "eq" | "ne" | "lt" | "le" | "gt" | "ge", a: Tensor, b: Operand): Tensor {
  return binaryKernel(op, a, asTensor(op, b, a));
}

/** cond ≠ 0 ? a : b, broadcasting all three; differentiable in a and b. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  checkTensor("where", cond, "cond");
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : cond;
  const ta = asTensor("where", a, like),
    tb = asTensor("where", b, like);
  const dtype = sameDType("where", ta, tb);
  const c = cond.dtype === dtype ? cond : cast(cond, dtype);
  const shape = broadcastShapes("where", c.shape, ta.shape, tb.shape);
  const out = empty(shape, dtype);
  if (out.size > 0) {
    const k = collapseDims(
      shape,
      broadcastStrides(c.shape, shape),
      broadcastStrides(ta.shape, shape),
      broadcastStrides(tb.shape, shape),
    );
    backendFor(dtype).where(
      contiguousData(c),
      contiguousData(ta),
      contiguousData(tb),
      out.data,
      k.shape,
      k.strides[0]!,
      k.strides[1]!,
      k.strides[2]!,
    );
  }
  return record("where", [ta, tb], out, { cond: c });
}

export function cast(x: Tensor, dtype: DType): Tensor {
  const data = allocate(dtype, x.size);
  data.set(contiguousData(x));
  return new Tensor(data, x.shape);
}

export function full(shape: Shape, value: number, dtype: DType = "float32"): Tensor {
  const t = empty(shape, dtype);
  t.data.fill(value);
  return t;
}

export const fullLike = (t: Tensor, value: number): Tensor => full(t.shape, value, t.dtype);

export { BinaryOp };
