/**
 * Sampling benchmarks of the pixel models on 28×28 binary images: the cached per-pixel sampler the models use
 * against the full-image loop (a network pass per value), same draws. `pixelcnn` and `rowlstm` are the benchmark
 * spec's configurations, `gated-pixelcnn` has PixelCNN's width (64 feature maps) and depth (6 layers), and
 * `diagonal-bilstm` is the registered default.
 */
import { getBackend, getNumThreads, setNumThreads } from "../backend/registry.js";
import { createModel, getModelSpec } from "../models/index.js";
import type { PixelModel, SampleOptions } from "../models/pixel/pixel-model.js";
import { noGrad } from "../autograd/tape.js";
import { bernoulli } from "../tensor/create.js";
import { Generator } from "../tensor/rng.js";
import { cpuNow, now } from "./clock.js";

const configs: Record<string, { model: string; options: Record<string, unknown> }> = {
  pixelcnn: { model: "pixelcnn", options: { features: 64, blocks: 5, kernel: 3, firstKernel: 7, outputHidden: 64 } },
  "gated-pixelcnn": { model: "gated-pixelcnn", options: { features: 64, layers: 6, outputHidden: 64 } },
  rowlstm: { model: "row-lstm", options: { hidden: 32, layers: 1, kernel: 3, firstKernel: 7, outputHidden: 32 } },
  "diagonal-bilstm": { model: "diagonal-bilstm", options: {} },
};

export const pixelSampleCases = Object.keys(configs);

export interface PixelSampleResult {
  model: string;
  n: number;
  /** wall-clock seconds of the cached sampler (best of `reps`) */
  seconds: number;
  /** CPU seconds of the process during that run (all threads) */
  cpu_seconds: number;
  /**
   * How many samples the full-image loop drew (absent with `naive: false`): n, or fewer where `naiveN` asks for it
   * (the loop takes minutes); the naive figures below and the speed-ups are all measured at naive_n.
   */
  naive_n?: number;
  /** the same draws with a full-image network pass per value, once (wall and CPU seconds) */
  naive_seconds?: number;
  naive_cpu_seconds?: number;
  /** the cached sampler at naive_n (best of `reps`): `seconds` again when naive_n = n */
  cached_seconds_at_naive_n?: number;
  cached_cpu_seconds_at_naive_n?: number;
  /** naive_seconds / cached_seconds_at_naive_n (wall clock) */
  speedup?: number;
  /** naive_cpu_seconds / cached_cpu_seconds_at_naive_n: less sensitive to other processes on the machine */
  cpu_speedup?: number;
  /** the cached samples equal the naive ones (all naive_n of them, bit for bit) */
  same_samples?: boolean;
  /**
   * One full-image network pass over the n images (best of 2, wall and CPU seconds): the naive loop makes one per
   * value, so 784 passes estimate it where it is skipped
   */
  pass_seconds: number;
  pass_cpu_seconds: number;
  /** 784 · pass_seconds / seconds: the speed-up the naive loop would show, from one pass (stated as an estimate) */
  estimated_speedup: number;
  /** milliseconds of the cached sampler, as the other sampling cases report */
  ms: number;
  threads: number;
  backend: string;
  options: Record<string, unknown>;
}

type Timed = { s: number; cpu: number; x: Float32Array };

function timed(model: PixelModel, n: number, opts: SampleOptions): Timed {
  const t0 = now(),
    c0 = cpuNow();
  const x = Float32Array.from(model.sample(n, new Generator(1), opts).toArray());
  return { s: (now() - t0) / 1000, cpu: (cpuNow() - c0) / 1000, x };
}

/** The cached sampler's best of `reps` runs (by wall clock; its CPU seconds are that run's). */
function bestCached(model: PixelModel, n: number, reps: number): Timed {
  let best = timed(model, n, {});
  for (let r = 1; r < reps; r++) {
    const t = timed(model, n, {});
    if (t.s < best.s) best = t;
  }
  return best;
}

/** The best of two full-image passes of the network over n random binary images (what the naive loop repeats). */
function fullPass(model: PixelModel, n: number): { s: number; cpu: number } {
  const x = bernoulli(0.13, [n, model.dim], { generator: new Generator(2) });
  let best = { s: Infinity, cpu: Infinity };
  for (let r = 0; r < 2; r++) {
    const t0 = now(),
      c0 = cpuNow();
    noGrad(() => model.eval().outputParams(x));
    const t = { s: (now() - t0) / 1000, cpu: (cpuNow() - c0) / 1000 };
    if (t.s < best.s) best = t;
  }
  return best;
}

export function benchPixelSample(
  name: string,
  n = 64,
  threads = getNumThreads(),
  o: { naive?: boolean; naiveN?: number; reps?: number } = {},
): PixelSampleResult {
  const cfg = configs[name];
  if (!cfg) throw new RangeError(`bench sample: unknown pixel case "${name}"; known: ${pixelSampleCases.join(", ")}`);
  setNumThreads(threads);
  const shape = { dim: 784, shape: [1, 28, 28] as [number, number, number] };
  const model = createModel(getModelSpec(cfg.model), cfg.options, shape, new Generator(0)) as PixelModel;
  model.sample(2, new Generator(1)); // warm-up
  const reps = o.reps ?? 3,
    best = bestCached(model, n, reps);
  const pass = fullPass(model, n);
  const r: PixelSampleResult = {
    model: name,
    n,
    seconds: +best.s.toFixed(3),
    cpu_seconds: +best.cpu.toFixed(3),
    pass_seconds: +pass.s.toFixed(4),
    pass_cpu_seconds: +pass.cpu.toFixed(4),
    estimated_speedup: +((784 * pass.s) / best.s).toFixed(1),
    ms: +(best.s * 1000).toFixed(1),
    threads,
    backend: getBackend().name,
    options: cfg.options,
  };
  if (o.naive === false) return r;
  const naiveN = Math.min(n, o.naiveN ?? n);
  if (!(Number.isInteger(naiveN) && naiveN >= 1))
    throw new RangeError(`bench sample: the naive sample count must be a positive integer, got ${o.naiveN}`);
  // fewer samples draw other values from the same seed: the cached sampler runs again at that count to compare
  const cached = naiveN === n ? best : bestCached(model, naiveN, reps);
  const naive = timed(model, naiveN, { naive: true });
  return {
    ...r,
    naive_n: naiveN,
    naive_seconds: +naive.s.toFixed(3),
    naive_cpu_seconds: +naive.cpu.toFixed(3),
    cached_seconds_at_naive_n: +cached.s.toFixed(3),
    cached_cpu_seconds_at_naive_n: +cached.cpu.toFixed(3),
    speedup: +(naive.s / cached.s).toFixed(1),
    cpu_speedup: +(naive.cpu / cached.cpu).toFixed(1),
    same_samples: naive.x.length === cached.x.length && naive.x.every((v, i) => v === cached.x[i]),
  };
}
