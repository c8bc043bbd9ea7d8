/**
 * The native Philox-4x32-10 blocks against the TypeScript generator, bit for bit, including counters that cross
 * 2^32, and the Generator's bulk (native) stream against its block-by-block one.
 */
import { test } from "node:test";
import { Generator, nativeAvailable } from "../../src/index.js";
import { assertClose } from "../helpers.js";

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
    for (const [k0, k1, counter] of [
      [0, 0, 0],
      [0xdeadbeef, 0x12345678, 4294967290],
      [7, 0xffffffff, 2 ** 40 + 3],
    ] as const) {
      const native = new Uint32Array(4 * 20);
      a.philox(k0, k1, counter, 20, native);
      const ref = new Uint32Array(4 * 20),
        blk = new Uint32Array(4);
      for (let b = 0; b < 20; b++) {
        const c = counter + b;
        philox(c >>> 0, Math.floor(c / 4294967296) >>> 0, 0, 0, k0, k1, blk);
        ref.set(blk, 4 * b);
      }
      assertClose(native, ref, { atol: 0, rtol: 0 }, `philox key ${k0},${k1} counter ${counter}`);
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
