/**
 * Memory of a training step: peak resident set, tensor bytes allocated per step, and whether the heap grows over
 * many steps. Growth is measured after forced full garbage collections (V8's gc exposed at run time), at the end
 * of warm-up and every `every` steps after it (100, or a tenth of a shorter run), counting the JS heap and the memory
 * of array buffers (tensor storage lives there); a steady series is the evidence that steps do not leak.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { Adam } from "../optim/adam.js";
import { getBackend, setNumThreads } from "../backend/registry.js";
import { storageBytesAllocated, storageBytesReused } from "../tensor/storage.js";
import { Generator } from "../tensor/rng.js";
import { stepCases } from "./step-cases.js";

export interface MemoryResult {
  case: string;
  steps: number;
  threads: number;
  peak_rss_mb: number;
  /** tensor storage newly allocated per step (op outputs not served from released gradient buffers) */
  bytes_allocated_per_step: number;
  /** op outputs per step served from gradient buffers the previous backward released */
  bytes_reused_per_step: number;
  /** heap + array buffers after a full GC: after the last step minus after warm-up, per 1,000 steps of the run */
  heap_growth_mb_1000_steps: number;
  /** the same measure every `every` steps, from the end of warm-up */
  heap_mb_samples: number[];
  rss_mb_start: number;
  rss_mb_end: number;
  backend: string;
}

const mb = (bytes: number): number => +(bytes / 2 ** 20).toFixed(2);

function fullGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

function liveBytes(gc: () => void): number {
  gc();
  gc(); // a second pass collects what the first one's finalizers released
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export function benchMemory(
  name: string,
  threads: number,
  steps = 1000,
  warmup = 20,
  every = Math.max(1, Math.min(100, Math.floor(steps / 10))),
): MemoryResult {
  const make = stepCases[name];
  if (!make) throw new RangeError(`bench memory: unknown case "${name}"; known: ${Object.keys(stepCases).join(", ")}`);
  setNumThreads(threads);
  const gc = fullGc();
  const c = make(new Generator(0));
  const opt = new Adam(c.params, { lr: 1e-3 });
  const step = (): void => {
    const l = c.loss();
    opt.zeroGrad();
    l.backward({ releaseActivations: true });
    opt.step();
  };
  for (let i = 0; i < warmup; i++) step();
  const samples = [mb(liveBytes(gc))];
  const rssStart = process.memoryUsage().rss;
  const bytes0 = storageBytesAllocated(),
    reused0 = storageBytesReused();
  for (let i = 1; i <= steps; i++) {
    step();
    if (i % every === 0 || i === steps) samples.push(mb(liveBytes(gc)));
  }
  const perStep = (storageBytesAllocated() - bytes0) / steps;
  return {
    case: name,
    steps,
    threads,
    peak_rss_mb: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
    bytes_allocated_per_step: Math.round(perStep),
    bytes_reused_per_step: Math.round((storageBytesReused() - reused0) / steps),
    heap_growth_mb_1000_steps: +(((samples.at(-1)! - samples[0]!) * 1000) / steps).toFixed(2),
    heap_mb_samples: samples,
    rss_mb_start: mb(rssStart),
    rss_mb_end: mb(process.memoryUsage().rss),
    backend: getBackend().name,
  };
}
