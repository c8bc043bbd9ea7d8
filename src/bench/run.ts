/** Benchmark runners: GEMM throughput and optimizer-step time, printed as JSON lines. */
import { Adam } from "../optim/adam.js";
import { getBackend, getNumThreads, nativeAddon, setNumThreads } from "../backend/registry.js";
import { NADE } from "../models/autoregressive/nade.js";
import { MADE, options as madeOptions } from "../models/autoregressive/made.js";
import { Generator } from "../tensor/rng.js";
import { namedStepCases } from "./step-cases.js";
import { randn } from "../tensor/create.js";
import { cpuNow, median, now } from "./clock.js";
import { benchPixelSample, pixelSampleCases, type PixelSampleResult } from "./pixel-sample.js";
import { activeSimd } from "../backend/native/simd.js";

/** The GEMM shapes of the peer (m, k, n). */
export const gemmShapes: Array<[number, number, number]> = [
  [100, 784, 500],
  [100, 500, 784],
  [500, 100, 784],
  [512, 512, 512],
  [32 * 28 * 28, 288, 64],
  [64, 3136, 128],
];

export interface GemmResult {
  m: number;
  k: number;
  n: number;
  ms: number;
  gflops: number;
  /** GFLOP/s from the median CPU time (all threads) */
  cpu_gflops: number;
  threads: number;
}

export function benchGemm(threads: number, reps = 30): GemmResult[] {
  const addon = nativeAddon();
  if (!addon) throw new Error("bench gemm: the native addon is not built (run `npm run build:native`)");
  const g = new Generator(0);
  return gemmShapes.map(([m, k, n]) => {
    const a = Float32Array.from(g.normal01(m * k)),
      b = Float32Array.from(g.normal01(k * n)),
      c = new Float32Array(m * n);
    for (let i = 0; i < 5; i++) addon.gemm(m, n, k, a, k, false, b, n, false, c, n, threads);
    const times: number[] = [],
      cpu: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = now(),
        c0 = cpuNow();
      addon.gemm(m, n, k, a, k, false, b, n, false, c, n, threads);
      times.push(now() - t0);
      cpu.push(cpuNow() - c0);
    }
    const t = median(times),
      gf = (ms: number) => +((2 * m * k * n) / Math.max(ms, 1e-3) / 1e6).toFixed(1);
    return { m, k, n, ms: +t.toFixed(4), gflops: gf(t), cpu_gflops: gf(median(cpu)), threads };
  });
}

export interface StepResult {
  case: string;
  ms_per_step: number;
  /** median CPU time of the process per step (all threads) */
  cpu_ms_per_step: number;
  steps: number;
  threads: number;
  backend: string;
  /** the instruction-set path the native kernels ran on (null without the addon) */
  simd: string | null;
  loss: number;
}

export function benchStep(name: string, threads: number, steps = 30, warmup = 5): StepResult {
  const make = namedStepCases[name];
  if (!make)
    throw new RangeError(`bench step: unknown case "${name}"; known: ${Object.keys(namedStepCases).join(", ")}`);
  setNumThreads(threads);
  const c = make(new Generator(0));
  const opt = new Adam(c.params, { lr: 1e-3 });
  const times: number[] = [],
    cpu: number[] = [];
  let loss = NaN;
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = now(),
      c0 = cpuNow();
    const l = c.loss();
    opt.zeroGrad();
    l.backward({ releaseActivations: true });
    opt.step();
    if (i >= warmup) {
      times.push(now() - t0);
      cpu.push(cpuNow() - c0);
    }
    loss = l.item();
  }
  const addon = nativeAddon();
  return {
    case: name,
    ms_per_step: +median(times).toFixed(3),
    cpu_ms_per_step: +median(cpu).toFixed(3),
    steps,
    threads,
    backend: getBackend().name,
    simd: addon ? activeSimd(addon) : null,
    loss: +loss.toFixed(3),
  };
}

export interface OverheadResult {
  op: string;
  us_per_op: number;
  shape: number[];
  backend: string;
}

/** Wall time per op on tiny [4,4] tensors: the fixed cost of dispatch, validation, allocation and the native call. */
export function benchOverhead(reps = 100000): OverheadResult[] {
  const g = new Generator(0);
  const a = randn([4, 4], { generator: g }),
    b = randn([4, 4], { generator: g }),
    w = randn([4, 4], { generator: g }).requireGrad();
  const ops: Array<[string, () => unknown]> = [
    ["add", () => a.add(b)],
    ["mul_scalar", () => a.mul(2)],
    ["tanh", () => a.tanh()],
    ["matmul", () => a.matmul(b)],
    ["sum", () => a.sum()],
    ["add_recorded", () => w.add(b)],
    ["broadcast_add_row", () => a.add(b.slice(0, 0, 1))],
  ];
  return ops.map(([op, f]) => {
    for (let i = 0; i < reps / 10; i++) f();
    const t0 = now();
    for (let i = 0; i < reps; i++) f();
    return { op, us_per_op: +(((now() - t0) / reps) * 1000).toFixed(3), shape: [4, 4], backend: getBackend().name };
  });
}

export interface SampleResult {
  model: string;
  n: number;
  ms: number;
  threads: number;
  backend: string;
}

/** Wall time to draw n samples from an untrained model of the standard size (ancestral sampling, 784 steps). */
/** The sampling cases of `deepgen bench sample`. */
export const sampleCases = ["nade", "made"] as const;
/**
 * Cases run only when named: the pixel models, whose full-image reference loop takes minutes (a network pass per
 * value); they report the cached sampler's time and its speed-up over that loop.
 */
export const namedSampleCases = pixelSampleCases;

/** n defaults to 64 for the pixel models (the benchmark spec) and 100 for the others. */
export function benchSample(
  name: string,
  n?: number,
  threads = getNumThreads(),
  o: { naive?: boolean; naiveN?: number } = {},
): SampleResult | PixelSampleResult {
  if (pixelSampleCases.includes(name)) return benchPixelSample(name, n ?? 64, threads, o);
  return benchAutoregressiveSample(name, n ?? 100, threads);
}

function benchAutoregressiveSample(name: string, n: number, threads: number): SampleResult {
  if (!(sampleCases as readonly string[]).includes(name))
    throw new RangeError(
      `bench sample: unknown model "${name}"; known: ${[...sampleCases, ...pixelSampleCases].join(", ")}`,
    );
  setNumThreads(threads);
  const g = new Generator(0);
  const shape = { dim: 784, shape: [1, 28, 28] as [number, number, number] };
  const model =
    name === "nade" ? new NADE({ hidden: 500 }, shape, g) : new MADE(madeOptions.parse({ hidden: [500] }), shape, g);
  model.sample(2, g); // warm-up
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = now();
    model.sample(n, g);
    times.push(now() - t0);
  }
  return { model: name, n, ms: +median(times).toFixed(1), threads, backend: getBackend().name };
}
