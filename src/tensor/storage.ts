/** dtypes and storage allocation. */
import type { Storage } from "../backend/backend.js";

export type DType = "float32" | "float64";

let bytesAllocated = 0,
  bytesReused = 0;

/**
 * Bytes of new memory handed out by allocate and allocateUninit since the process started (op outputs not served
 * from the pool of released buffers): for benchmarks.
 */
export function storageBytesAllocated(): number {
  return bytesAllocated;
}

/** Bytes of op outputs served from released buffers (see releaseStorage) since the process started. */
export function storageBytesReused(): number {
  return bytesReused;
}

const UNINIT_MIN_BYTES = 4096;

/**
 * Released buffers by byte length, for reuse by the next allocations of that size. A training step allocates the
 * same shapes every time, and taking a buffer back from here instead of a new one spares the garbage collector and
 * malloc most of a step's hundreds of megabytes. Only buffers allocated here (`owned`) are ever pooled, and only the
 * tape releases them: gradients it created and nobody else can see, and, when the caller asks, the activations of a
 * graph it ran through whose every tensor it knows (see releaseActivations in src/autograd/tape.ts).
 */
const pool = new Map<number, ArrayBuffer[]>();
/** Buffers allocated here, each with the number of tensors created over it since it was last handed out. */
const owned = new WeakMap<ArrayBuffer, number>();
const pooled = new WeakSet<ArrayBuffer>();
let pooledBytes = 0;
/** Memory kept for reuse at most; releases beyond it are left to the garbage collector. */
const POOL_MAX_BYTES = 1024 * 2 ** 20; // a step's gradients of a 76M-parameter MADE (306 MB) fit
/** When set, every buffer allocated here is added to it (the tape learns which gradients it created). */
let tracked: Set<ArrayBuffer> | null = null;

function take(bytes: number): ArrayBuffer | null {
  const list = pool.get(bytes);
  const buf = list?.pop();
  if (!buf) return null;
  pooled.delete(buf);
  pooledBytes -= bytes;
  bytesReused += bytes;
  owned.set(buf, 0); // a new life: the tensors over its last contents are dead
  return buf;
}

function fresh(bytes: number, zeroed: boolean): ArrayBuffer {
  bytesAllocated += bytes;
  const buf = zeroed ? new ArrayBuffer(bytes) : Buffer.allocUnsafeSlow(bytes).buffer;
  owned.set(buf, 0);
  return buf;
}

function view(dtype: DType, buf: ArrayBuffer, n: number): Storage {
  tracked?.add(buf);
  return dtype === "float64" ? new Float64Array(buf, 0, n) : new Float32Array(buf, 0, n);
}

/** A new array of n elements. Contents are zero. */
export function allocate(dtype: DType, n: number): Storage {
  const bytes = n * (dtype === "float64" ? 8 : 4);
  if (bytes < UNINIT_MIN_BYTES) {
    bytesAllocated += bytes;
    return dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  }
  const reused = take(bytes);
  const out = view(dtype, reused ?? fresh(bytes, true), n);
  if (reused) out.fill(0);
  return out;
}

/**
 * A new array of n elements with unspecified contents, for outputs a kernel overwrites entirely: skips zero-filling
 * (a memset per op) for large arrays. Never hand one to code that reads before writing.
 */
export function allocateUninit(dtype: DType, n: number): Storage {
  const bytes = n * (dtype === "float64" ? 8 : 4);
  if (bytes < UNINIT_MIN_BYTES) return allocate(dtype, n);
  return view(dtype, take(bytes) ?? fresh(bytes, false), n);
}

/**
 * Hands a buffer back for reuse. Only for storage that nothing will read or write again: the tape calls it for the
 * gradients it created and consumed. Buffers not allocated here, views into part of one, and buffers already
 * released are ignored.
 */
export function releaseStorage(s: Storage): void {
  const buf = s.buffer as ArrayBuffer;
  if (!owned.has(buf) || pooled.has(buf) || pooledBytes + buf.byteLength > POOL_MAX_BYTES) return;
  pooled.add(buf);
  pooledBytes += buf.byteLength;
  const list = pool.get(buf.byteLength);
  if (list) list.push(buf);
  else pool.set(buf.byteLength, [buf]);
}

/** Counts a tensor created over s (the Tensor constructor calls it), for tensorsOver. */
export function noteTensorOver(s: Storage): void {
  const buf = s.buffer as ArrayBuffer;
  const n = owned.get(buf);
  if (n !== undefined) owned.set(buf, n + 1);
}

/**
 * How many tensors were created over s's buffer since it was allocated (or taken from the pool), views and
 * detached copies included; null for a buffer not allocated here (never released).
 */
export function tensorsOver(s: Storage): number | null {
  return owned.get(s.buffer as ArrayBuffer) ?? null;
}

/** Bytes held in the pool of released buffers, waiting for reuse. */
export function storagePoolBytes(): number {
  return pooledBytes;
}

/**
 * Empties the pool of released buffers and returns the bytes it held, for the garbage collector to take back. fit()
 * calls it when training ends, so a long-lived process (the studio server, a queue worker) does not keep a step's
 * gradients for the next run.
 */
export function drainStoragePool(): number {
  const bytes = pooledBytes;
  for (const list of pool.values()) for (const buf of list) pooled.delete(buf);
  pool.clear();
  pooledBytes = 0;
  return bytes;
}

/** Starts (a set) or stops (null) recording the buffers allocated from now on into `into`. */
export function trackAllocations(into: Set<ArrayBuffer> | null): Set<ArrayBuffer> | null {
  const prev = tracked;
  tracked = into;
  return prev;
}

export function dtypeOf(s: Storage): DType {
  return s instanceof Float64Array ? "float64" : "float32";
}

export function toStorage(dtype: DType, values: ArrayLike<number>): Storage {
  return dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values);
}
