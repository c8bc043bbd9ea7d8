/** Reductions over axes, mean/variance, softmax, and sumToShape (the adjoint of broadcasting). */
import type { ReduceName } from "../backend/backend.js";
import { record } from "../autograd/tape.js";
import { fmt, normalizeAxes, normalizeAxis, type Shape, shapeEquals, sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor-data.js";
import { backendFor, checkTensor, contiguousData, empty } from "./util.js";

type Axes = number | readonly number[];

/** Reduces a contiguous tensor over one run of adjacent axes [a0, a1]; the result keeps those dims as 1. */
function reduceRun(op: ReduceName, x: Tensor, a0: number, a1: number): Tensor {
  const s = x.shape;
  const outer = sizeOf(s.slice(0, a0)),
    n = sizeOf(s.slice(a0, a1 + 1)),
    inner = sizeOf(s.slice(a1 + 1));
  const shape = s.map((d, i) => (i >= a0 && i <= a1 ? 1 : d));
  const out = empty(shape, x.dtype);
  if (out.size > 0) backendFor(x.dtype).reduce(op, contiguousData(x), out.data, outer, n, inner);
  return out;
}

/** The unrecorded reduction: runs of adjacent axes are reduced one run at a time. Output keeps reduced dims as 1. */
export function reduceKernel(op: ReduceName, x: Tensor, axes: number[]): Tensor {
  if ((op === "max" || op === "min") && axes.some((a) => x.shape[a] === 0)) {
    throw new RangeError(`${op}: cannot reduce over an empty axis of shape ${fmt(x.shape)}`);
  }
  let y = x;
  let i = axes.length - 1;
  if (axes.length === 0) return reduceRun(op, x, 0, -1);
  while (i >= 0) {
    let j = i;
    while (j > 0 && axes[j - 1] === axes[j]! - 1) j--;
    y = reduceRun(op, y, axes[j]!, axes[i]!);
    i = j - 1;
  }
  return y;
}

export function reduceOp(
  op: "sum" | "max" | "min" | "logSumExp",
  x: Tensor,
  axesIn: Axes | undefined,
  keepDims: boolean,
): Tensor {
  checkTensor(op, x);
  const axes = normalizeAxes(op, axesIn, x.ndim);
  const kept = reduceKernel(op, x, axes);
  const out = keepDims
    ? kept
    : new Tensor(
        kept.data,
        x.shape.filter((_, i) => !axes.includes(i)),
      );
  return record(op, [x], out, { keepShape: [...kept.shape] });
}

export function mean(x: Tensor, axesIn: Axes | undefined, keepDims: boolean): Tensor {
  const axes = normalizeAxes("mean", axesIn, x.ndim);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  return reduceOp("sum", x, axes, keepDims).mul(1 / n);
}

/** Variance over axes with `correction` degrees of freedom removed (0: population, 1: unbiased). */
export function variance(x: Tensor, axesIn: Axes | undefined, keepDims: boolean, correction: number): Tensor {
  const axes = normalizeAxes("variance", axesIn, x.ndim);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  if (n - correction <= 0)
    throw new RangeError(`variance: ${n} values with correction ${correction} leave no degrees of freedom`);
  const centered = x.sub(mean(x, axes, true));
  return reduceOp("sum", centered.square(), axes, keepDims).mul(1 / (n - correction));
}

/** Sums g over the dims that broadcasting expanded, giving a tensor of `shape`. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapeEquals(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < g.ndim; d++) if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) axes.push(d);
  const r = axes.length > 0 ? reduceKernel("sum", g, axes) : g;
  return new Tensor(contiguousData(r), shape);
}

export function softmax(x: Tensor, axisIn: number, log: boolean): Tensor {
  const op = log ? "logSoftmax" : "softmax";
  checkTensor(op, x);
  const axis = normalizeAxis(op, axisIn, x.ndim);
  if (axis !== x.ndim - 1) {
    // move the axis last, apply, move it back (views; the kernel reads contiguously)
    const perm = [...Array(x.ndim).keys()].filter((d) => d !== axis).concat(axis);
    const inv = perm.map((_, i) => perm.indexOf(i));
    return softmax(x.permute(perm), -1, log).permute(inv);
  }
  const cols = x.shape[axis]!,
    rows = x.size / Math.max(cols, 1);
  const out = empty(x.shape, x.dtype);
  if (out.size > 0) backendFor(x.dtype).softmax(contiguousData(x), out.data, rows, cols, log);
  return record(op, [x], out, { axis });
}
