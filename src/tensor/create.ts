/** Tensor creation: from values, constants, ranges and random draws (seeded; identical on every backend). */
import { type Shape, checkShape, fmt, sizeOf } from "./shape.js";
import { allocate, allocateUninit, type DType, toStorage } from "./storage.js";
import { Tensor } from "./tensor-data.js";
import { Generator, bulkBernoulli, getDefaultGenerator } from "./rng.js";

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

type Nested = number | readonly Nested[];

function inferShape(v: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as Nested;
  }
  return shape;
}

const finish = (t: Tensor, o: CreateOptions): Tensor => (o.requiresGrad ? t.requireGrad() : t);

export interface TensorOptions extends CreateOptions {
  /** the shape of flat values (default: inferred from nested arrays, else [values.length]) */
  shape?: Shape;
}

/** Tells a shape (an array of sizes) from an options object in tensor()'s second position. */
function splitArgs(second: unknown, third: CreateOptions | undefined): { shape?: Shape; opts: CreateOptions } {
  if (second === undefined || Array.isArray(second)) return { shape: second as Shape | undefined, opts: third ?? {} };
  if (typeof second === "object" && second !== null && !ArrayBuffer.isView(second)) {
    if (third !== undefined)
      throw new TypeError(
        "tensor: options given twice; pass tensor(values, { dtype, shape }) or tensor(values, shape, opts)",
      );
    const { shape, ...opts } = second as TensorOptions;
    return { shape, opts };
  }
  throw new TypeError(
    `tensor: the second argument must be a shape (an array of sizes) or options { dtype, shape, requiresGrad }, got ${
      second === null ? "null" : ArrayBuffer.isView(second) ? second.constructor.name : typeof second
    }`,
  );
}

/**
 * A tensor from nested arrays, or from flat values plus a shape: `tensor(values, shape, opts)` or
 * `tensor(values, { shape, dtype, requiresGrad })`.
 */
export function tensor(values: Nested | ArrayLike<number>, shape?: Shape, opts?: CreateOptions): Tensor;
export function tensor(values: Nested | ArrayLike<number>, opts: TensorOptions): Tensor;
export function tensor(
  values: Nested | ArrayLike<number>,
  shapeOrOpts?: Shape | TensorOptions,
  maybeOpts?: CreateOptions,
): Tensor {
  const { shape, opts } = splitArgs(shapeOrOpts, maybeOpts);
  const dtype = opts.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64")
    throw new TypeError(`tensor: dtype ${JSON.stringify(dtype)} is not supported; use "float32" or "float64"`);
  let flat: ArrayLike<number>;
  let s: number[];
  if (typeof values === "number") {
    flat = [values];
    s = shape ? [...shape] : [];
  } else if (Array.isArray(values) && !shape) {
    s = inferShape(values as Nested);
    flat = (values as unknown[]).flat(Infinity) as number[];
  } else {
    flat = values as ArrayLike<number>;
    s = shape ? [...shape] : [flat.length];
  }
  checkShape("tensor", s);
  if (flat.length !== sizeOf(s)) throw new RangeError(`tensor: ${flat.length} values do not fill shape ${fmt(s)}`);
  return finish(new Tensor(toStorage(dtype, flat), s), opts);
}

export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  checkShape("full", shape);
  const data = allocate(opts.dtype ?? "float32", sizeOf(shape));
  if (value !== 0) data.fill(value);
  return finish(new Tensor(data, shape), opts);
}

export const zeros = (shape: Shape, opts: CreateOptions = {}): Tensor => full(shape, 0, opts);
export const ones = (shape: Shape, opts: CreateOptions = {}): Tensor => full(shape, 1, opts);

export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  return tensor(
    Array.from({ length: n }, (_, i) => start + i * step),
    [n],
    opts,
  );
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

const gen = (o: RandomOptions): Generator => o.generator ?? getDefaultGenerator();

/** Uniform on [low, high). */
export function rand(shape: Shape, opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape("rand", shape);
  const lo = opts.low ?? 0,
    hi = opts.high ?? 1;
  const u = gen(opts).uniform01(sizeOf(shape));
  const data = allocate(opts.dtype ?? "float32", u.length);
  for (let i = 0; i < u.length; i++) data[i] = lo + (hi - lo) * u[i]!;
  return finish(new Tensor(data, shape), opts);
}

/** Normal with the given mean and standard deviation. */
export function randn(shape: Shape, opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape("randn", shape);
  const m = opts.mean ?? 0,
    sd = opts.std ?? 1;
  const z = gen(opts).normal01(sizeOf(shape));
  const data = allocate(opts.dtype ?? "float32", z.length);
  for (let i = 0; i < z.length; i++) data[i] = m + sd * z[i]!;
  return finish(new Tensor(data, shape), opts);
}

/** Draws of bernoulli taken per pass: the uniforms of a chunk are made, compared and dropped. */
const BERNOULLI_CHUNK = 1 << 16;
/** Below this many draws the TypeScript loop is as fast as a call into the addon. */
const BERNOULLI_NATIVE_MIN = 1024;

/**
 * 1 with probability p (a number, or a tensor of probabilities), else 0. Draw i is uniform01's value u = m·2⁻²⁴
 * (m the stream's uint32 >>> 8) compared as m < p·2²⁴, the same decision as u < p: dropout's masks of millions of
 * values go straight into their storage, in chunks, with no float64 array of uniforms and no copy. With a scalar p
 * and float32 values the native backend draws and compares them in one pass, bit for bit the same. `one` is the value
 * written for a success (dropout writes 1/(1 − p), so that its mask is also its scale).
 */
export function bernoulli(p: number | Tensor, shape?: Shape, opts: RandomOptions & { one?: number } = {}): Tensor {
  const probs = typeof p === "number" ? null : p.toArray();
  const s = shape ?? (typeof p === "number" ? [] : p.shape);
  const n = sizeOf(s);
  if (probs && probs.length !== n) throw new RangeError(`bernoulli: ${probs.length} probabilities for shape ${fmt(s)}`);
  const outOfRange = (pi: number, i: number) =>
    new RangeError(`bernoulli: probability ${pi} at ${i} is outside [0, 1]`);
  if (!probs && n > 0 && !((p as number) >= 0 && (p as number) <= 1)) throw outOfRange(p as number, 0);
  const g = gen(opts),
    one = opts.one ?? 1;
  const data = allocateUninit(opts.dtype ?? (typeof p === "number" ? "float32" : p.dtype), n);
  const threshold = probs ? 0 : (p as number) * 16777216;
  const native = bulkBernoulli();
  if (!probs && native && data instanceof Float32Array && n >= BERNOULLI_NATIVE_MIN) {
    const { key, counter } = g.claim(Math.ceil(n / 4)); // the blocks uint32(n) would have drawn
    native(key[0], key[1], counter, n, threshold, one, data);
    return new Tensor(data, s);
  }
  for (let at = 0; at < n; at += BERNOULLI_CHUNK) {
    // whole blocks of 4 per chunk, so the chunks draw exactly the values one call for all n would
    const m = g.uint32(Math.min(BERNOULLI_CHUNK, n - at));
    if (probs) {
      for (let i = 0; i < m.length; i++) {
        const pi = probs[at + i]!;
        if (!(pi >= 0 && pi <= 1)) throw outOfRange(pi, at + i);
        data[at + i] = m[i]! >>> 8 < pi * 16777216 ? one : 0;
      }
    } else {
      for (let i = 0; i < m.length; i++) data[at + i] = m[i]! >>> 8 < threshold ? one : 0;
    }
  }
  return new Tensor(data, s);
}

/** One draw per row of `logits` [rows, classes] from softmax(logits), by inverse CDF in float64. */
export function categorical(logits: Tensor, opts: RandomOptions = {}): Int32Array {
  if (logits.ndim !== 2) throw new TypeError(`categorical: logits must be [rows, classes], got ${fmt(logits.shape)}`);
  const [rows, k] = logits.shape as [number, number];
  const z = logits.toArray(),
    u = gen(opts).uniform01(rows),
    out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, z[r * k + c]!);
    let total = 0;
    for (let c = 0; c < k; c++) total += Math.exp(z[r * k + c]! - m);
    let target = u[r]! * total,
      c = 0;
    for (; c < k - 1; c++) {
      target -= Math.exp(z[r * k + c]! - m);
      if (target < 0) break;
    }
    out[r] = c;
  }
  return out;
}

export function randperm(n: number, opts: RandomOptions = {}): Int32Array {
  return gen(opts).permutation(n);
}
