/**
 * The native Philox-4x32-10 blocks against the TypeScript generator, bit for bit, including counters that cross
 * 2^32, and the Generator's bulk (native) stream against its block-by-block one; on every instruction-set path
 * the CPU supports, at two threads (long streams are split between them).
 */
import { test } from "node:test";
import { Generator, nativeAvailable } from "../../src/index.js";
import { withThreads } from "../../src/backend/registry.js";
import { assertClose } from "../helpers.js";
import { onSimd, simdPaths } from "./simd-paths.js";

const skip = nativeAvailable() ? false : "native addon not built (run `npm run build:native`); needs both generators";

test(
  "native Philox blocks are bit-identical to the TypeScript generator (counters across 2^32)",
  { skip },
  async () => {
    const { setBulkPhilox, philox } = await import("../../src/tensor/rng.js");
    const { nativeAddon } = await import("../../src/backend/registry.js");
    const a = nativeAddon() as unknown as {
      philox: (k0: number, k1: number, c: number, b: number, out: Uint32Array) => void;
    };
    const cases = [
      [0, 0, 0, 20],
      [0xdeadbeef, 0x12345678, 4294967290, 20],
      [7, 0xffffffff, 2 ** 40 + 3, 20],
      [0x9e3779b9, 5, 4294967296 - 20011, 40003], // split between threads, the carry mid-vector, a partial end
    ] as const;
    for (const simd of simdPaths())
      for (const [k0, k1, counter, blocks] of cases) {
        const native = new Uint32Array(4 * blocks);
        onSimd(simd, () => withThreads(2, () => a.philox(k0, k1, counter, blocks, native)));
        const ref = new Uint32Array(4 * blocks),
          blk = new Uint32Array(4);
        for (let b = 0; b < blocks; b++) {
          const c = counter + b;
          philox(c >>> 0, Math.floor(c / 4294967296) >>> 0, 0, 0, k0, k1, blk);
          ref.set(blk, 4 * b);
        }
        assertClose(native, ref, { atol: 0, rtol: 0 }, `${simd}: philox key ${k0},${k1} counter ${counter}`);
      }
    // and through the Generator: bulk (native) and block-by-block (TypeScript) streams agree
    const g1 = new Generator(99),
      g2 = new Generator(99);
    const fast = g1.normal01(3001);
    setBulkPhilox(null);
    try {
      assertClose(g2.normal01(3001), fast, { atol: 0, rtol: 0 }, "normal01 stream");
    } finally {
      setBulkPhilox((k0, k1, c, b, out) => a.philox(k0, k1, c, b, out));
    }
  },
);

test(
  "native Bernoulli draws equal the TypeScript loop bit for bit (odd lengths, p at the edges, the stream after)",
  { skip },
  async () => {
    const { bulkBernoulli, setBulkBernoulli } = await import("../../src/tensor/rng.js");
    const { bernoulli } = await import("../../src/tensor/create.js");
    const native = bulkBernoulli();
    if (!native) throw new Error("the addon loaded but installed no Bernoulli fill");
    const cases = [
      [1, 1027, 0.5, 1],
      [2, 70001, 0.9, 1 / 0.9], // split between two threads
      [3, 4096, 0.003, 1],
      [4, 1030, 1, 2.5],
      [5, 2051, 0, 1],
      [6, 1111, 0.1 + 2 ** -26, 1], // p·2²⁴ not an integer: v < threshold, not v ≤ threshold
    ] as const;
    for (const simd of simdPaths())
      for (const [seed, n, p, one] of cases) {
        const g1 = new Generator(seed),
          g2 = new Generator(seed);
        g1.uint32(5); // start off a block boundary
        g2.uint32(5);
        const fast = onSimd(simd, () => withThreads(2, () => bernoulli(p, [n], { generator: g1, one }).toArray()));
        setBulkBernoulli(null);
        let ref: number[];
        try {
          ref = bernoulli(p, [n], { generator: g2, one }).toArray();
        } finally {
          setBulkBernoulli(native);
        }
        assertClose(Float32Array.from(fast), Float32Array.from(ref), { atol: 0, rtol: 0 }, `${simd}: n ${n} p ${p}`);
        const ones = fast.filter((v) => v !== 0).length;
        if (p > 0 && p < 1 && Math.abs(ones / n - p) > 5 * Math.sqrt((p * (1 - p)) / n))
          throw new Error(`n ${n} p ${p}: ${ones} successes`);
        if (fast.some((v) => v !== 0 && v !== Math.fround(one))) throw new Error("a draw is neither 0 nor `one`");
        // both generators stand at the same place afterwards
        assertClose(g1.uint32(8), g2.uint32(8), { atol: 0, rtol: 0 }, `stream after n ${n}`);
      }
  },
);
