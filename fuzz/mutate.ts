/**
 * Seeded byte and text mutations: random bytes, bit flips, truncations, extensions, splices, integer-field tweaks,
 * and number/token swaps in text. Input k of a run is a pure function of (seed, k), so any finding can be replayed.
 */

/** mulberry32: a small, fast, seedable generator; plenty for choosing mutations. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A seed for input k of a run: mixes the run seed and the index so nearby inputs are unrelated. */
export function inputSeed(seed: number, k: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(k + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  return Math.imul(h, 0x27d4eb2f) >>> 0;
}

const INTERESTING_U32 = [0, 1, 2, 3, 7, 8, 255, 256, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

function writeInt(out: Uint8Array, at: number, width: 1 | 2 | 4 | 8, value: number, little: boolean): void {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (at + width > out.length) return;
  if (width === 1) v.setUint8(at, value & 0xff);
  else if (width === 2) v.setUint16(at, value & 0xffff, little);
  else if (width === 4) v.setUint32(at, value >>> 0, little);
  else v.setBigUint64(at, BigInt.asUintN(64, BigInt(Math.trunc(value))), little);
}

/** One random mutation of `buf`; `others` are splice partners; `fields` are offsets of integer header fields. */
export function mutateBytes(rng: Rng, buf: Uint8Array, others: Uint8Array[], fields: number[] = []): Uint8Array {
  const n = buf.length;
  const out = Uint8Array.from(buf);
  switch (rng.int(9)) {
    case 0: // random bytes
      for (let k = 1 + rng.int(8); k > 0 && n > 0; k--) out[rng.int(n)] = rng.int(256);
      return out;
    case 1: // bit flips
      for (let k = 1 + rng.int(4); k > 0 && n > 0; k--) out[rng.int(n)]! ^= 1 << rng.int(8);
      return out;
    case 2: // truncation
      return out.subarray(0, rng.int(n + 1));
    case 3: {
      // extension with random or repeated bytes
      const extra = Uint8Array.from({ length: 1 + rng.int(64) }, () => rng.int(256));
      return Uint8Array.from([...out, ...(rng.chance(0.5) ? extra : out.subarray(rng.int(n + 1)))]);
    }
    case 4: {
      // splice: a prefix of this input and a suffix of another
      const o = rng.pick(others.length ? others : [buf]);
      return Uint8Array.from([...out.subarray(0, rng.int(n + 1)), ...o.subarray(rng.int(o.length + 1))]);
    }
    case 5: {
      // delete or duplicate a range
      const a = rng.int(n + 1),
        b = Math.min(n, a + 1 + rng.int(16));
      return rng.chance(0.5)
        ? Uint8Array.from([...out.subarray(0, a), ...out.subarray(b)])
        : Uint8Array.from([...out.subarray(0, b), ...out.subarray(a)]);
    }
    default: {
      // integer-field tweak: an interesting value at a header field (or anywhere), either endianness
      const at = fields.length && rng.chance(0.8) ? rng.pick(fields) : rng.int(Math.max(1, n));
      const width = rng.pick([1, 2, 4, 4, 8] as const);
      const base = rng.pick(INTERESTING_U32);
      const value = rng.chance(0.3) ? base + rng.int(3) - 1 : base;
      writeInt(out, at, width, value, rng.chance(0.5));
      return out;
    }
  }
}

const TOKENS = [
  "-1",
  "0",
  "1",
  "-0",
  "0.5",
  "2.5",
  "1e308",
  "-1e308",
  "4294967296",
  "9007199254740993",
  "NaN",
  "null",
  "true",
  "[]",
  "{}",
  '""',
  '"x"',
  "[1,[2]]",
  '{"a":1}',
  ",",
  ":",
  "(",
  ")",
  "'",
  '"',
  "\\u0000",
  "__proto__",
  '"__metadata__"',
];

/** One random mutation of text: a number or token swapped, a token inserted, a span deleted or duplicated. */
export function mutateText(rng: Rng, text: string): string {
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi)];
  const strings = [...text.matchAll(/"[^"]*"|'[^']*'/g)];
  const at = rng.int(text.length + 1);
  switch (rng.int(5)) {
    case 0:
    case 1: {
      const m = numbers.length ? rng.pick(numbers) : null;
      if (!m) return text.slice(0, at) + rng.pick(TOKENS) + text.slice(at);
      return text.slice(0, m.index) + rng.pick(TOKENS) + text.slice(m.index! + m[0].length);
    }
    case 2: {
      const m = strings.length ? rng.pick(strings) : null;
      if (!m) return text + rng.pick(TOKENS);
      const dup = rng.chance(0.5) ? `${m[0]}:${rng.pick(TOKENS)},` : rng.pick(TOKENS);
      return text.slice(0, m.index) + dup + text.slice(m.index! + (dup.endsWith(",") ? 0 : m[0].length));
    }
    case 3:
      return text.slice(0, at) + rng.pick(TOKENS) + text.slice(at);
    default: {
      const b = Math.min(text.length, at + 1 + rng.int(12));
      return rng.chance(0.5) ? text.slice(0, at) + text.slice(b) : text.slice(0, b) + text.slice(at);
    }
  }
}
