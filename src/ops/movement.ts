/** Movement ops: views (reshape, permute), copies through strided kernels (expand, slice, concat, pad), indexing. */
import { record } from "../autograd/tape.js";
import {
  broadcastShapes,
  broadcastStrides,
  checkShape,
  contiguousStrides,
  fmt,
  normalizeAxis,
  type Shape,
  shapeEquals,
  sizeOf,
} from "../tensor/shape.js";
import type { DType } from "../tensor/storage.js";
import { Tensor } from "../tensor/tensor-data.js";
import { cast as castOp, full } from "./elementwise.js";
import { backendFor, checkTensor, contiguousData, empty, sameDType, zerosOf } from "./util.js";

export { contiguousData };

export function reshape(x: Tensor, shapeIn: readonly number[]): Tensor {
  checkTensor("reshape", x);
  const shape = [...shapeIn];
  const infer = shape.indexOf(-1);
  if (infer >= 0) {
    const known = shape.reduce((p, d, i) => (i === infer ? p : p * d), 1);
    if (shape.lastIndexOf(-1) !== infer || known === 0 || x.size % known !== 0) {
      throw new RangeError(`reshape: cannot infer -1 in ${fmt(shapeIn)} for ${x.size} elements of ${fmt(x.shape)}`);
    }
    shape[infer] = x.size / known;
  }
  checkShape("reshape", shape);
  if (sizeOf(shape) !== x.size)
    throw new RangeError(`reshape: ${fmt(x.shape)} (${x.size} elements) cannot become ${fmt(shapeIn)}`);
  return record("reshape", [x], new Tensor(contiguousData(x), shape), {});
}

export function flatten(x: Tensor, start: number, end: number): Tensor {
  const s = normalizeAxis("flatten", start, Math.max(x.ndim, 1)),
    e = normalizeAxis("flatten", end, Math.max(x.ndim, 1));
  if (x.ndim === 0) return reshape(x, [1]);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis("unsqueeze", axis, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const a = normalizeAxis("squeeze", axis, x.ndim);
  if (x.shape[a] !== 1) throw new RangeError(`squeeze: dim ${a} of ${fmt(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(
    x,
    x.shape.filter((_, i) => i !== a),
  );
}

/** A strided view with dims reordered: out.shape[i] = x.shape[perm[i]]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  checkTensor("permute", x);
  const p = perm.map((a) => normalizeAxis("permute", a, x.ndim));
  if (p.length !== x.ndim || new Set(p).size !== p.length) {
    throw new RangeError(`permute: [${perm.join(",")}] is not a permutation of the ${x.ndim} dims of ${fmt(x.shape)}`);
  }
  const out = new Tensor(
    x.data,
    p.map((a) => x.shape[a]!),
    p.map((a) => x.strides[a]!),
  );
  return record("permute", [x], out, { perm: p });
}

export function transpose(x: Tensor, a: number, b: number): Tensor {
  if (x.ndim < 2) throw new RangeError(`transpose: needs at least 2 dims, got ${fmt(x.shape)}`);
  const p = [...Array(x.ndim).keys()];
  const i = normalizeAxis("transpose", a, x.ndim),
    j = normalizeAxis("transpose", b, x.ndim);
  [p[i], p[j]] = [p[j]!, p[i]!];
  return permute(x, p);
}

export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : copy(x);
}

export function copy(x: Tensor): Tensor {
  const data = contiguousData(x);
  return record("copy", [x], new Tensor(data === x.data ? data.slice() : data, x.shape), {});
}

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = castOp(x, dtype);
  out.requiresGrad = false;
  return out;
}

/** Broadcasts x to `shape` (materialized). */
export function expand(x: Tensor, shapeIn: readonly number[]): Tensor {
  checkTensor("expand", x);
  const target = shapeIn.map((d, i) => (d === -1 ? (x.shape[i - (shapeIn.length - x.ndim)] ?? -1) : d));
  checkShape("expand", target);
  const shape = broadcastShapes("expand", x.shape, target);
  if (!shapeEquals(shape, target)) throw new TypeError(`expand: ${fmt(x.shape)} cannot be expanded to ${fmt(shapeIn)}`);
  const out = empty(shape, x.dtype);
  if (out.size > 0) {
    backendFor(x.dtype).stridedCopy(
      contiguousData(x),
      out.data,
      shape,
      broadcastStrides(x.shape, shape),
      0,
      contiguousStrides(shape),
      0,
      false,
    );
  }
  return record("expand", [x], out, {});
}

/** Elements start, start+step, … < end along one axis (negative start/end count from the end). */
export function slice(x: Tensor, axisIn: number, startIn: number, endIn?: number, step = 1): Tensor {
  checkTensor("slice", x);
  const axis = normalizeAxis("slice", axisIn, x.ndim),
    n = x.shape[axis]!;
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const start = norm(startIn),
    end = norm(endIn ?? n);
  const len = Math.max(0, Math.ceil((end - start) / step));
  const shape = x.shape.map((d, i) => (i === axis ? len : d));
  const out = empty(shape, x.dtype);
  if (out.size > 0) {
    const src = contiguousStrides(x.shape);
    const ss = src.map((s, i) => (i === axis ? s * step : s));
    backendFor(x.dtype).stridedCopy(
      contiguousData(x),
      out.data,
      shape,
      ss,
      start * src[axis]!,
      contiguousStrides(shape),
      0,
      false,
    );
  }
  return record("slice", [x], out, { axis, start, step });
}

/** Writes src into dst (contiguous, of shape dstShape) at `offsets` per dim, every `steps` element. */
export function place(dst: Tensor, src: Tensor, offsets: number[], steps?: number[], accumulate = false): void {
  if (src.size === 0) return;
  const ds = contiguousStrides(dst.shape);
  const off = offsets.reduce((p, o, i) => p + o * ds[i]!, 0);
  backendFor(dst.dtype).stridedCopy(
    contiguousData(src),
    dst.data,
    [...src.shape],
    contiguousStrides(src.shape),
    0,
    ds.map((s, i) => s * (steps?.[i] ?? 1)),
    off,
    accumulate,
  );
}

export function concat(xs: readonly Tensor[], axisIn = 0): Tensor {
  if (xs.length === 0) throw new RangeError("concat: needs at least one tensor");
  xs.forEach((t, i) => checkTensor("concat", t, `tensor ${i}`));
  const first = xs[0]!;
  const axis = normalizeAxis("concat", axisIn, first.ndim);
  for (const t of xs) {
    sameDType("concat", first, t);
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new TypeError(`concat: shapes ${xs.map((s) => fmt(s.shape)).join(", ")} differ outside axis ${axis}`);
    }
  }
  const sizes = xs.map((t) => t.shape[axis]!);
  const out = empty(
    first.shape.map((d, i) => (i === axis ? sizes.reduce((a, b) => a + b, 0) : d)),
    first.dtype,
  );
  let at = 0;
  for (const t of xs) {
    place(
      out,
      t,
      out.shape.map((_, i) => (i === axis ? at : 0)),
    );
    at += t.shape[axis]!;
  }
  return record("concat", [...xs], out, { axis, sizes });
}

export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new RangeError("stack: needs at least one tensor");
  const a = normalizeAxis("stack", axis, xs[0]!.ndim + 1);
  return concat(
    xs.map((t) => unsqueeze(t, a)),
    a,
  );
}

/** Pads the last pads.length dims: pads[i] = [before, after] for dim ndim − pads.length + i. */
export function pad(x: Tensor, pads: ReadonlyArray<readonly [number, number]>, value: number): Tensor {
  checkTensor("pad", x);
  if (pads.length > x.ndim) throw new RangeError(`pad: ${pads.length} pairs for a tensor with ${x.ndim} dims`);
  const lead = x.ndim - pads.length;
  const before = x.shape.map((_, i) => (i < lead ? 0 : pads[i - lead]![0]));
  const after = x.shape.map((_, i) => (i < lead ? 0 : pads[i - lead]![1]));
  for (const p of [...before, ...after])
    if (!Number.isInteger(p) || p < 0)
      throw new RangeError(`pad: paddings must be non-negative integers, got ${JSON.stringify(pads)}`);
  const out = full(
    x.shape.map((d, i) => d + before[i]! + after[i]!),
    value,
    x.dtype,
  );
  place(out, x, before);
  return record("pad", [x], out, { before });
}

function toIndex(op: string, index: ArrayLike<number>, bound: number): Int32Array {
  const idx = index instanceof Int32Array ? index : Int32Array.from(index);
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (v < 0 || v >= bound || v !== index[i])
      throw new RangeError(`${op}: index ${index[i]} at position ${i} is out of range [0, ${bound})`);
  }
  return idx;
}

/** out = x taken at `index` along axis (rows of an embedding table, a subset of a batch). */
export function indexSelect(x: Tensor, axisIn: number, index: ArrayLike<number>): Tensor {
  checkTensor("indexSelect", x);
  const axis = normalizeAxis("indexSelect", axisIn, x.ndim);
  const idx = toIndex("indexSelect", index, x.shape[axis]!);
  const out = empty(
    x.shape.map((d, i) => (i === axis ? idx.length : d)),
    x.dtype,
  );
  const outer = sizeOf(x.shape.slice(0, axis)),
    inner = sizeOf(x.shape.slice(axis + 1));
  if (out.size > 0)
    backendFor(x.dtype).indexSelect(contiguousData(x), idx, out.data, outer, x.shape[axis]!, inner, idx.length);
  return record("indexSelect", [x], out, { axis, index: idx });
}

/** torch.gather: out[..., j, ...] = x[..., index[..., j, ...], ...] along axis; index has x's shape except on axis. */
export function gather(x: Tensor, axisIn: number, index: Tensor | Int32Array, indexShape?: Shape): Tensor {
  checkTensor("gather", x);
  const axis = normalizeAxis("gather", axisIn, x.ndim);
  const ishape = index instanceof Tensor ? index.shape : indexShape;
  if (!ishape) throw new TypeError("gather: an Int32Array index needs its shape");
  if (ishape.length !== x.ndim || ishape.some((d, i) => i !== axis && d !== x.shape[i])) {
    throw new TypeError(`gather: index shape ${fmt(ishape)} must match ${fmt(x.shape)} outside axis ${axis}`);
  }
  const idx = toIndex("gather", index instanceof Tensor ? contiguousData(index) : index, x.shape[axis]!);
  if (idx.length !== sizeOf(ishape))
    throw new RangeError(`gather: index has ${idx.length} values for shape ${fmt(ishape)}`);
  const out = empty(ishape, x.dtype);
  const outer = sizeOf(x.shape.slice(0, axis)),
    inner = sizeOf(x.shape.slice(axis + 1));
  if (out.size > 0)
    backendFor(x.dtype).gather(contiguousData(x), idx, out.data, outer, x.shape[axis]!, ishape[axis]!, inner);
  return record("gather", [x], out, { axis, index: idx });
}

/** One-hot rows: out[i, c] = 1 when indices[i] = c. Not differentiable. */
export function oneHot(indices: ArrayLike<number>, nClasses: number, dtype: DType = "float32"): Tensor {
  const idx = toIndex("oneHot", indices, nClasses);
  const out = zerosOf([idx.length, nClasses], dtype);
  for (let i = 0; i < idx.length; i++) out.data[i * nClasses + idx[i]!] = 1;
  return out;
}
