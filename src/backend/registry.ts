/**
 * Backend selection. float32 work goes to the native backend when the addon loads, else to the reference backend
 * with one warning; DEEPGEN_BACKEND=reference|native forces one. float64 always runs on the reference backend.
 */
import type { Backend } from "./backend.js";
import { createNativeBackend, loadAddon, type NativeAddon } from "./native/index.js";
import { applySimdEnv } from "./native/simd.js";
import { referenceBackend } from "./reference/index.js";
import { setBulkBernoulli, setBulkPhilox, type BernoulliFill } from "../tensor/rng.js";

let active: Backend | null = null;
let addon: NativeAddon | null = null;
let loadError: Error | null = null;

function tryLoad(): NativeAddon | null {
  if (addon || loadError) return addon;
  if (process.env.DEEPGEN_BACKEND === "reference") {
    loadError = new Error("DEEPGEN_BACKEND=reference");
    return null;
  }
  try {
    addon = loadAddon();
    const a = addon as unknown as {
      philox: (k0: number, k1: number, c: number, b: number, out: Uint32Array) => void;
      bernoulli: BernoulliFill;
    };
    setBulkPhilox((k0, k1, c, b, out) => a.philox(k0, k1, c, b, out));
    setBulkBernoulli((k0, k1, c, n, t, one, out) => a.bernoulli(k0, k1, c, n, t, one, out));
  } catch (e) {
    loadError = e as Error;
  }
  if (addon) applySimdEnv(addon); // a forced path this CPU lacks is an error, not a silent fallback
  return addon;
}

export function getBackend(): Backend {
  if (active) return active;
  const want = process.env.DEEPGEN_BACKEND;
  if (want !== undefined && want !== "native" && want !== "reference") {
    throw new RangeError(`DEEPGEN_BACKEND="${want}" is not a backend; use "native" or "reference"`);
  }
  if (want === "reference") return (active = referenceBackend);
  const a = tryLoad();
  if (a) return (active = createNativeBackend(a));
  if (want === "native") {
    throw new Error(
      `DEEPGEN_BACKEND=native but the native addon did not load (${loadError?.message}); run "npm run build:native"`,
    );
  }
  process.emitWarning(
    `deepgen: native backend unavailable (${loadError?.message.split("\n")[0]}); ` +
      'using the slow reference backend. Run "npm run build:native" to build it.',
  );
  return (active = referenceBackend);
}

/** Switches the float32 backend (tests use this to compare backends in one process). */
export function setBackend(name: "native" | "reference"): Backend {
  if (name === "reference") return (active = referenceBackend);
  const a = tryLoad();
  if (!a) throw new Error(`native backend unavailable: ${loadError?.message}`);
  return (active = createNativeBackend(a));
}

export function nativeAddon(): NativeAddon | null {
  return tryLoad();
}

export function nativeAvailable(): boolean {
  return tryLoad() !== null;
}

/** Worker threads used by native kernels (DEEPGEN_THREADS, default: all cores). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  tryLoad()?.setThreads(n);
}

export function getNumThreads(): number {
  return tryLoad()?.getThreads() ?? 1;
}

/** Runs fn with native kernels on at most n threads, then restores the count (also when fn throws). */
export function withThreads<T>(n: number, fn: () => T): T {
  const before = getNumThreads();
  if (before <= n) return fn();
  setNumThreads(n);
  try {
    return fn();
  } finally {
    setNumThreads(before);
  }
}

export { referenceBackend };

// Load the addon (if present) when the engine is imported, so random streams use the native Philox from the first
// draw. Failure is silent here; getBackend() warns once if float32 work has to fall back.
tryLoad();
