/**
 * Per-kernel time of a benchmark step: every native function is wrapped with a CPU-time measurement, so a step's
 * time splits into kernels (by name and shape), garbage collection (V8's gc entries) and the rest (JS: graph
 * building, validation, the tape). Prints one JSON object: per kernel key the total CPU ms per step and calls.
 *
 *   DEEPGEN_THREADS=1 node --import tsx bench/op-profile.ts dcgan [--steps 10] [--top 25]
 */
import { PerformanceObserver } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { nativeAddon, setNumThreads } from "../src/backend/registry.js";
import { namedStepCases } from "../src/bench/step-cases.js";
import { cpuNow } from "../src/bench/clock.js";
import { Adam } from "../src/optim/adam.js";
import { Generator } from "../src/tensor/rng.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { steps: { type: "string", default: "10" }, top: { type: "string", default: "25" } },
});
const name = positionals[0] ?? "dcgan";
const steps = Number(values.steps);
const addon = nativeAddon() as unknown as Record<string, unknown> | null;
if (!addon) throw new Error("op-profile: the native addon is not built (run `npm run build:native`)");

const totals = new Map<string, { ms: number; calls: number }>();
let recording = false;
/** A kernel's key: its name, and the geometry for convolutions or the first array's length otherwise. */
function keyOf(fn: string, args: unknown[]): string {
  const geom = args.find((a) => a instanceof Float64Array);
  if (fn.startsWith("conv") && geom) return `${fn} [${Array.from(geom as Float64Array).join(",")}]`;
  const arr = args.find((a) => a instanceof Float32Array) as Float32Array | undefined;
  return arr ? `${fn} n=${arr.length}` : fn;
}
for (const [fn, f] of Object.entries(addon)) {
  if (typeof f !== "function") continue;
  addon[fn] = (...args: unknown[]) => {
    if (!recording) return (f as (...a: unknown[]) => unknown)(...args);
    const c0 = cpuNow();
    const r = (f as (...a: unknown[]) => unknown)(...args);
    const key = keyOf(fn, args),
      e = totals.get(key) ?? { ms: 0, calls: 0 };
    e.ms += cpuNow() - c0;
    e.calls++;
    totals.set(key, e);
    return r;
  };
}
let gcMs = 0;
new PerformanceObserver((list) => {
  if (recording) for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ["gc"] });

setNumThreads(1);
const make = namedStepCases[name];
if (!make) throw new RangeError(`op-profile: unknown case "${name}"`);
const c = make(new Generator(0));
const opt = new Adam(c.params, { lr: 1e-3 });
const step = (): void => {
  const l = c.loss();
  opt.zeroGrad();
  l.backward();
  opt.step();
};
for (let i = 0; i < 3; i++) step();
recording = true;
const c0 = cpuNow();
for (let i = 0; i < steps; i++) step();
const total = (cpuNow() - c0) / steps;
recording = false;
await new Promise((r) => setTimeout(r, 50)); // let the gc observer deliver
const rows = [...totals.entries()]
  .map(([k, e]) => ({ kernel: k, ms: +(e.ms / steps).toFixed(2), calls: e.calls / steps }))
  .sort((a, b) => b.ms - a.ms);
const inKernels = rows.reduce((s, r) => s + r.ms, 0);
console.log(
  JSON.stringify(
    {
      case: name,
      steps,
      cpu_ms_per_step: +total.toFixed(1),
      kernels_ms: +inKernels.toFixed(1),
      gc_ms: +(gcMs / steps).toFixed(1),
      rest_ms: +(total - inKernels - gcMs / steps).toFixed(1),
      top: rows.slice(0, Number(values.top)),
    },
    null,
    1,
  ),
);
