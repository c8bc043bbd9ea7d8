/**
 * The native Philox fills: Bernoulli draws (dropout's masks; the full PixelCNN recipe draws 15 × 32 × 256 × 784 a
 * step) and raw Philox words, at 1 and 2 threads (or --threads). Per case, one JSON line: the median wall and CPU
 * milliseconds of one call over --reps calls after 3 warm-up calls, and the draws a second of wall-clock.
 *
 *   node --import tsx bench/random-fill.ts [--n 6422528] [--reps 20] [--threads 1,2]
 */
import { parseArgs } from "node:util";
import { nativeAddon, withThreads } from "../src/backend/registry.js";
import { cpuNow, median } from "../src/bench/clock.js";
import type { BernoulliFill, BulkFill } from "../src/tensor/rng.js";

type Fill = { bernoulli: BernoulliFill; philox: BulkFill; simd(): string };
const addon = nativeAddon() as unknown as Fill | null;
if (!addon) throw new Error("random-fill bench: the native addon is not built (npm run build:native)");
const { values } = parseArgs({
  options: {
    n: { type: "string", default: String(32 * 256 * 784) },
    reps: { type: "string", default: "20" },
    threads: { type: "string", default: "1,2" },
  },
});
const n = Number(values.n),
  reps = Number(values.reps);

function time(fn: (rep: number) => void): { wall_ms: number; cpu_ms: number } {
  for (let r = 0; r < 3; r++) fn(r);
  const wall: number[] = [],
    cpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    const w0 = performance.now(),
      c0 = cpuNow();
    fn(r + 3);
    wall.push(performance.now() - w0);
    cpu.push(cpuNow() - c0);
  }
  return { wall_ms: median(wall), cpu_ms: median(cpu) };
}

const mask = new Float32Array(n),
  words = new Uint32Array(4 * Math.ceil(n / 4));
for (const threads of values.threads.split(",").map(Number))
  withThreads(threads, () => {
    const cases = {
      bernoulli: () => time((r) => addon.bernoulli(7, 9, r * n, n, 0.5 * 2 ** 24, 2, mask)),
      philox: () => time((r) => addon.philox(7, 9, r * n, words.length / 4, words)),
    };
    for (const [name, run] of Object.entries(cases)) {
      const t = run();
      const rate = n / (t.wall_ms / 1000);
      console.log(JSON.stringify({ case: name, n, threads, simd: addon.simd(), ...t, draws_per_s: rate }));
    }
  });
