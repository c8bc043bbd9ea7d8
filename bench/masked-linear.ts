/**
 * MADE's masked linear layers (made2's shapes: batch 100, 784 → 500 → 500 → 784) against the plain GEMM of the
 * same shape: CPU milliseconds (median of --reps calls, after 10 warm-up calls) and GFLOP/s of the forward product, the
 * input gradient and the weight gradient, one JSON line each. The gap between `masked_ms` and `plain_ms` is what the
 * mask costs.
 *
 *   DEEPGEN_THREADS=1 node --import tsx bench/masked-linear.ts [--reps 200]
 */
import { parseArgs } from "node:util";
import { nativeAddon } from "../src/backend/registry.js";
import { cpuNow, median } from "../src/bench/clock.js";

type Kernel = (...args: unknown[]) => void;
const addon = nativeAddon() as unknown as Record<string, Kernel> | null;
if (!addon) throw new Error("masked-linear bench: the native addon is not built (npm run build:native)");
const { values } = parseArgs({ options: { reps: { type: "string", default: "200" } } });
const reps = Number(values.reps);

const uniform = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random() - 0.5);

/** median CPU milliseconds of one call */
function timeCall(fn: () => void): number {
  for (let i = 0; i < 10; i++) fn();
  return median(
    Array.from({ length: reps }, () => {
      const start = cpuNow();
      fn();
      return cpuNow() - start;
    }),
  );
}

const m = 100;
for (const [k, n] of [
  [784, 500],
  [500, 500],
  [500, 784],
] as const) {
  const x = uniform(m * k),
    w = uniform(n * k),
    mask = Float32Array.from({ length: n * k }, () => (Math.random() < 0.5 ? 1 : 0)),
    bias = uniform(n),
    out = new Float32Array(m * n),
    g = uniform(m * n),
    gx = new Float32Array(m * k),
    gw = new Float32Array(n * k);
  const gflop = (2 * m * n * k) / 1e9;
  const rows: Array<[string, () => void, () => void]> = [
    [
      "forward",
      () => addon.maskedLinearForward!(x, w, mask, bias, out, m, k, n),
      () => addon.gemm!(m, n, k, x, k, false, w, k, true, out, n, 1),
    ],
    [
      "grad_input",
      () => addon.maskedLinearGradInput!(g, w, mask, gx, m, k, n),
      () => addon.gemm!(m, k, n, g, n, false, w, k, false, gx, k, 1),
    ],
    [
      "grad_weight",
      () => addon.maskedLinearGradWeight!(g, x, mask, gw, m, k, n),
      () => addon.gemm!(n, k, m, g, n, true, x, k, false, gw, k, 1),
    ],
  ];
  for (const [kernel, masked, plain] of rows) {
    const maskedMs = timeCall(masked),
      plainMs = timeCall(plain);
    const r = (v: number) => Math.round(v * 1000) / 1000;
    console.log(
      JSON.stringify({
        shape: `${m}x${k}->${n}`,
        kernel,
        masked_ms: r(maskedMs),
        plain_ms: r(plainMs),
        masked_gflops: r(gflop / (maskedMs / 1000)),
        plain_gflops: r(gflop / (plainMs / 1000)),
      }),
    );
  }
}
