/**
 * Sampling benchmarks of the pixel models at their default sizes on 28×28 binary images: the windowed loop the models
 * use (each pass runs on the rows a value can see) against the full-image loop, same draws.
 */
import { getBackend, getNumThreads, setNumThreads } from "../backend/registry.js";
import { createModel, getModelSpec } from "../models/index.js";
import type { PixelModel } from "../models/pixel/pixel-model.js";
import { Generator } from "../tensor/rng.js";

export const pixelSampleCases = ["pixelcnn", "gated-pixelcnn", "row-lstm", "diagonal-bilstm"] as const;

export interface PixelSampleResult {
  model: string;
  n: number;
  ms: number;
  /** the same draws with a full-image pass per value (only with `naive`) */
  naive_ms?: number;
  threads: number;
  backend: string;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export function benchPixelSample(name: string, n: number, threads = getNumThreads(), naive = false): PixelSampleResult {
  setNumThreads(threads);
  const shape = { dim: 784, shape: [1, 28, 28] as [number, number, number] };
  const model = createModel(getModelSpec(name), {}, shape, new Generator(0)) as PixelModel;
  const time = (full: boolean): number => {
    const t0 = now();
    model.sample(n, new Generator(1), { naive: full });
    return now() - t0;
  };
  const ms = time(false);
  return {
    model: name,
    n,
    ms: +ms.toFixed(1),
    ...(naive ? { naive_ms: +time(true).toFixed(1) } : {}),
    threads,
    backend: getBackend().name,
  };
}
