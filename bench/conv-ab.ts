/**
 * Two or more builds of the native addon on one convolution layer, in one process, taking turns call by call: the
 * forward, the weight gradient and the input gradient of `bench conv`'s layer (same shapes), timed separately. A
 * transposed layer runs the kernels of the convolution it transposes: its forward is that convolution's input
 * gradient, its input gradient that convolution's forward. On a shared host whose speed drifts for minutes at a
 * time, separate runs of `deepgen bench conv` differ by more than most kernel changes; builds that alternate within
 * one process see the same drift. The outputs of every build are compared with the first one's (max |difference|
 * relative to the largest value), so a variant that is fast because it is wrong shows at once.
 *
 *   cp build/Release/deepgen_native.node /tmp/base.node      # before the change
 *   npm run build:native                                     # after it
 *   node --import tsx bench/conv-ab.ts /tmp/base.node build/Release/deepgen_native.node \
 *     [--layer dcgan_D_conv2] [--threads 1] [--reps 60] [--simd avx512|avx2|portable]
 *
 * One JSON line per build: wall milliseconds of each pass (median and fastest of --reps, after 3 warm-up rounds)
 * and the largest relative difference from the first build.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import { convLayers } from "../src/bench/conv.js";
import { median, now } from "../src/bench/clock.js";
import { printUsage } from "./usage.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    layer: { type: "string", default: "dcgan_D_conv2" },
    threads: { type: "string", default: "1" },
    reps: { type: "string", default: "60" },
    simd: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) printUsage(import.meta.url);
if (positionals.length < 1) throw new Error("conv-ab: name one or more addon files (deepgen_native.node builds)");
const layer = convLayers.find((l) => l.name === values.layer);
if (!layer || layer.kind === "conv1d" || layer.taps)
  throw new Error(`conv-ab: --layer must be an unmasked conv or convT layer of bench conv, not "${values.layer}"`);
const transposed = layer.kind === "convT";

/** The addon's calls used here (native/binding/addon.cc) */
interface ConvAddon {
  setThreads(n: number): void;
  setSimd(name: string): boolean;
  conv2dRelu(...args: unknown[]): void;
  conv2dReluBackward(...args: unknown[]): void;
  conv2dGradInput(...args: unknown[]): void;
  conv2dGradWeight(...args: unknown[]): void;
}
const require = createRequire(import.meta.url);

// The convolution whose kernels run: for a transposed layer, the one it transposes (channels and sizes swapped).
// `wide` is that convolution's input (a transposed layer's output gradient), `narrow` its output gradient (the
// transposed layer's input).
const [N, Cin, H, W, Cout, k, s, p] = layer.dims;
const down = (n: number): number => Math.floor((n + 2 * p - k) / s) + 1,
  up = (n: number): number => (n - 1) * s - 2 * p + k;
const [C, Hi, Wi, Co, Ho, Wo] = transposed ? [Cout, up(H), up(W), Cin, H, W] : [Cin, H, W, Cout, down(H), down(W)];
const geom = new Float64Array([N, C, Hi, Wi, Co, k, k, s, s, p, p, 1, 1, Ho, Wo]);
const uniform = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const wide = uniform(N * C * Hi * Wi),
  w = uniform(Co * C * k * k),
  narrow = uniform(N * Co * Ho * Wo);

interface Run {
  file: string;
  addon: ConvAddon;
  out: Float32Array;
  gw: Float32Array;
  gx: Float32Array;
  ms: { forward: number[]; weight_grad: number[]; input_grad: number[]; total: number[] };
}
const runs: Run[] = positionals.map((file) => ({
  file,
  addon: require(path.resolve(file)) as ConvAddon,
  out: new Float32Array(transposed ? wide.length : narrow.length),
  gw: new Float32Array(w.length),
  gx: new Float32Array(transposed ? narrow.length : wide.length),
  ms: { forward: [], weight_grad: [], input_grad: [], total: [] },
}));
const reps = Number(values.reps);
for (const run of runs) {
  run.addon.setThreads(Number(values.threads));
  if (values.simd !== undefined && !run.addon.setSimd(values.simd))
    throw new Error(`conv-ab: ${run.file} cannot run "${values.simd}" here (paths: avx512, avx2, portable)`);
}
for (let r = 0; r < reps + 3; r++)
  for (const run of runs) {
    const b = run.addon;
    const t0 = now();
    if (transposed) b.conv2dGradInput(geom, narrow, w, run.out);
    else b.conv2dRelu(geom, null, 0, 0, wide, w, null, run.out, null);
    const t1 = now();
    if (transposed) b.conv2dGradWeight(geom, wide, narrow, run.gw);
    else b.conv2dReluBackward(geom, null, 0, 0, wide, w, null, narrow, null, run.gw, null);
    const t2 = now();
    if (transposed) b.conv2dRelu(geom, null, 0, 0, wide, w, null, run.gx, null);
    else b.conv2dReluBackward(geom, null, 0, 0, wide, w, null, narrow, run.gx, null, null);
    const t3 = now();
    if (r < 3) continue;
    run.ms.forward.push(t1 - t0);
    run.ms.weight_grad.push(t2 - t1);
    run.ms.input_grad.push(t3 - t2);
    run.ms.total.push(t3 - t0);
  }

/** max |a - b| over max |a| */
function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0,
    m = 0;
  a.forEach((v, i) => {
    d = Math.max(d, Math.abs(v - (b[i] ?? NaN)));
    m = Math.max(m, Math.abs(v));
  });
  return d / Math.max(m, 1e-30);
}
const round = (v: number): number => +v.toFixed(3);
const first = runs[0]!;
for (const run of runs) {
  const row: Record<string, unknown> = { build: run.file, layer: layer.name, threads: Number(values.threads) };
  if (values.simd !== undefined) row.simd = values.simd;
  for (const [pass, times] of Object.entries(run.ms)) {
    row[`${pass}_ms`] = round(median(times));
    row[`${pass}_min_ms`] = round(Math.min(...times));
  }
  row.max_rel_diff = +Math.max(
    relDiff(first.out, run.out),
    relDiff(first.gw, run.gw),
    relDiff(first.gx, run.gx),
  ).toExponential(2);
  console.log(JSON.stringify(row));
}
