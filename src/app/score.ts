/**
 * `score`: −log p(x) of images given as files (anomaly scores), and with `perPixel` the conditional −log p(x_i |
 * x_<i) of every value in raster order (row, column, then channel) for models that expose their conditionals.
 */
import { datasetInfo } from "../data/datasets.js";
import { hasDensity, hasPerPixelDensity, type Estimator } from "../models/index.js";
import { tensor } from "../tensor/create.js";
import { Generator, type GeneratorState } from "../tensor/rng.js";
import { requireCapability } from "./capabilities.js";
import { openRun } from "./runs.js";
import { readScoreInput } from "./score-input.js";

export interface ScoreOptions {
  /** a .png file, a .npy array or a folder of .png files */
  input: string;
  perPixel?: boolean;
  batchSize?: number;
}

export interface ImageScore {
  image: string;
  nll_nats: number;
  bits_per_dim: number;
  /** −log p(x_i | x_<i) in nats, raster order (row, column, channel) */
  per_pixel_nats?: number[];
}

export interface ScoreResult {
  model: string;
  estimator: Estimator;
  dim: number;
  scores: ImageScore[];
}

/** The first value the run's data could not contain: 0/1 for binarized data, k/255 for 8-bit data. */
function offGrid(values: Float32Array, binary: boolean): string | null {
  const expected = binary ? "0 or 1 (the model was trained on binarized images)" : "a multiple of 1/255";
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (binary ? v !== 0 && v !== 1 : Math.abs(v * 255 - Math.round(v * 255)) > 1e-3)
      return `value ${v} at position ${i} is not ${expected}`;
  }
  return null;
}

function atState(state: GeneratorState): Generator {
  const g = new Generator();
  g.setState(state);
  return g;
}

export function score(target: string, o: ScoreOptions): ScoreResult {
  const run = openRun(target);
  const name = run.config.model;
  const density = requireCapability(run.model, name, hasDensity, "exact-density", "score images");
  const pixels = o.perPixel
    ? requireCapability(run.model, name, hasPerPixelDensity, "per-pixel-density", "score single pixels")
    : null;
  const { values, n, names } = readScoreInput(o.input, run.config.shape);
  const binary = datasetInfo(run.config.dataset).binarization !== "none";
  const bad = offGrid(values, binary);
  if (bad) throw new RangeError(`${o.input}: ${bad}`);
  const D = run.config.dim,
    B = o.batchSize ?? 100,
    g = new Generator(run.config.seed);
  run.model.eval();
  const scores: ImageScore[] = [];
  let estimator: Estimator = "exact";
  for (let s = 0; s < n; s += B) {
    const m = Math.min(B, n - s),
      x = tensor(values.subarray(s * D, (s + m) * D), [m, D]);
    // per-pixel values from the same generator state, so that sampled (dequantized) scores sum to the image's
    const state = g.getState();
    const r = density.logLikelihood(x, g);
    estimator = r.estimator;
    const per = pixels ? pixels.perPixelLogLikelihood(x, null, atState(state)) : null;
    for (let i = 0; i < m; i++)
      scores.push({
        image: names[s + i]!,
        nll_nats: -r.logp[i]!,
        bits_per_dim: -r.logp[i]! / (D * Math.LN2),
        ...(per ? { per_pixel_nats: Array.from(per.subarray(i * D, (i + 1) * D), (v) => -v) } : {}),
      });
  }
  return { model: name, estimator, dim: D, scores };
}
