/**
 * A seeded, splittable counter-based generator: Philox4x32-10 (Salmon et al., SC'11). The stream is a pure function
 * of (key, counter), so the same seed gives the same numbers on every backend and run, and `split()` derives
 * independent child streams from the key without touching the parent's position.
 */

const M0 = 0xd2511f53,
  M1 = 0xcd9e8d57,
  W0 = 0x9e3779b9,
  W1 = 0xbb67ae85;
const M0H = M0 >>> 16,
  M0L = M0 & 0xffff,
  M1H = M1 >>> 16,
  M1L = M1 & 0xffff;

/**
 * High 32 bits of the 64-bit product of uint32 a with the constant whose 16-bit halves are mh:ml, from 16×16-bit
 * partial products (each exact below 2^32): a·m = ah·mh·2^32 + (ah·ml + al·mh)·2^16 + al·ml.
 */
function mulhi(a: number, mh: number, ml: number): number {
  const ah = a >>> 16,
    al = a & 0xffff;
  const cross1 = ah * ml,
    cross2 = al * mh;
  const mid = ((al * ml) >>> 16) + (cross1 & 0xffff) + (cross2 & 0xffff);
  return (ah * mh + Math.floor(cross1 / 65536) + Math.floor(cross2 / 65536) + (mid >>> 16)) >>> 0;
}

/** One Philox4x32-10 block: 4 random uint32 for counter (c0..c3) under key (k0, k1). */
export function philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(c0, M0H, M0L),
      lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(c2, M1H, M1L),
      lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** `blocks` Philox blocks (4 words each) at (k0, k1, counter) into out. */
export type BulkFill = (k0: number, k1: number, counter: number, blocks: number, out: Uint32Array) => void;
let bulk: BulkFill | null = null;

/** Installs (or, with null, removes) a native bulk Philox fill; the TypeScript loop is the reference. */
export function setBulkPhilox(fill: BulkFill | null): void {
  bulk = fill;
}

/** n draws from the blocks at (k0, k1, counter): out[i] = (word i >>> 8) < threshold ? one : 0. */
export type BernoulliFill = (
  k0: number,
  k1: number,
  counter: number,
  n: number,
  threshold: number,
  one: number,
  out: Float32Array,
) => void;
let bernoulliFill: BernoulliFill | null = null;

/** Installs (or, with null, removes) a native Bernoulli fill; bernoulli's TypeScript loop is the reference. */
export function setBulkBernoulli(fill: BernoulliFill | null): void {
  bernoulliFill = fill;
}

/** The installed native Bernoulli fill, if any. */
export function bulkBernoulli(): BernoulliFill | null {
  return bernoulliFill;
}

export interface GeneratorState {
  key: [number, number];
  counter: number;
  splits: number;
}

export class Generator {
  #k0: number;
  #k1: number;
  #counter = 0; // blocks consumed (each block = 4 uint32)
  #splits = 0;
  #block = new Uint32Array(4);

  constructor(seed: number | bigint = 0) {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.#k0 = Number(s & 0xffffffffn);
    this.#k1 = Number(s >> 32n);
  }

  /** `n` uint32 values, advancing the stream. */
  uint32(n: number): Uint32Array {
    const out = new Uint32Array(Math.ceil(n / 4) * 4);
    if (bulk && out.length >= 64) {
      // the native fill gives bit-identical blocks, ~20× faster
      bulk(this.#k0, this.#k1, this.#counter, out.length / 4, out);
      this.#counter += out.length / 4;
      return n === out.length ? out : out.subarray(0, n);
    }
    const b = this.#block;
    for (let i = 0; i < out.length; i += 4) {
      const c = this.#counter++;
      philox(c >>> 0, Math.floor(c / 4294967296) >>> 0, 0, 0, this.#k0, this.#k1, b);
      out[i] = b[0]!;
      out[i + 1] = b[1]!;
      out[i + 2] = b[2]!;
      out[i + 3] = b[3]!;
    }
    return n === out.length ? out : out.subarray(0, n);
  }

  /**
   * Reserves the next `blocks` blocks of the stream for a kernel that draws them itself from (key, counter), and
   * advances past them, so what follows does not reuse them.
   */
  claim(blocks: number): { key: [number, number]; counter: number } {
    const counter = this.#counter;
    this.#counter += blocks;
    return { key: [this.#k0, this.#k1], counter };
  }

  /** Uniform [0, 1) with 24 random bits each (every value exactly representable in float32). */
  uniform01(n: number): Float64Array {
    const u = this.uint32(n),
      out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (u[i]! >>> 8) * 5.9604644775390625e-8;
    return out;
  }

  /**
   * Standard normals by Marsaglia's polar method: pairs (u, v) uniform on the square, kept inside the unit disc
   * (s = u² + v² ∈ (0, 1)), give u·√(−2 ln s / s) and v·√(−2 ln s / s). No sin/cos; about 21% of pairs
   * are rejected, so the stream advances by a data-independent but variable amount.
   */
  normal01(n: number): Float64Array {
    const out = new Float64Array(n);
    let i = 0;
    while (i < n) {
      const need = Math.ceil(((n - i) * 1.3) / 2) * 2 + 8;
      const u = this.uint32(need);
      for (let k = 0; k + 1 < need && i < n; k += 2) {
        const a = (u[k]! >>> 8) * 1.1920928955078125e-7 - 1,
          b = (u[k + 1]! >>> 8) * 1.1920928955078125e-7 - 1;
        const s = a * a + b * b;
        if (s >= 1 || s === 0) continue;
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        out[i++] = a * f;
        if (i < n) out[i++] = b * f;
      }
    }
    return out;
  }

  /** Uniform integers in [0, n) (rejection-free for n ≤ 2^16; tiny bias below 2^-16 for larger n). */
  integers(count: number, n: number): Int32Array {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`integers: upper bound must be a positive integer, got ${n}`);
    const u = this.uint32(count),
      out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = Math.floor((u[i]! / 4294967296) * n);
    return out;
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    const u = this.uint32(n);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor((u[i]! / 4294967296) * (i + 1));
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  /**
   * `n` independent generators derived from this one's key; the parent's stream is unaffected except its split count.
   */
  split(n = 2): Generator[] {
    const out: Generator[] = [];
    for (let i = 0; i < n; i++) {
      const b = new Uint32Array(4);
      philox(this.#splits++, 0, 0x5eed5eed, 0xffffffff, this.#k0, this.#k1, b);
      const g = new Generator(0);
      g.#k0 = b[0]!;
      g.#k1 = b[1]!;
      out.push(g);
    }
    return out;
  }

  /**
   * A generator determined by a seed and a path of non-negative integers (e.g. epoch, batch), independent of any
   * stream position: each path element is hashed into the key by one Philox block.
   */
  static derive(seed: number | bigint, ...pathIds: number[]): Generator {
    const g = new Generator(seed);
    const b = new Uint32Array(4);
    for (const id of pathIds) {
      philox(id >>> 0, Math.floor(id / 4294967296) >>> 0, 0xde71e5ed, 0x7a55e000, g.#k0, g.#k1, b);
      g.#k0 = b[0]!;
      g.#k1 = b[1]!;
    }
    return g;
  }

  getState(): GeneratorState {
    return { key: [this.#k0, this.#k1], counter: this.#counter, splits: this.#splits };
  }

  setState(s: GeneratorState): void {
    this.#k0 = s.key[0] >>> 0;
    this.#k1 = s.key[1] >>> 0;
    this.#counter = s.counter;
    this.#splits = s.splits;
  }
}

let defaultGenerator = new Generator(0);

export function manualSeed(seed: number | bigint): Generator {
  defaultGenerator = new Generator(seed);
  return defaultGenerator;
}

export function getDefaultGenerator(): Generator {
  return defaultGenerator;
}
