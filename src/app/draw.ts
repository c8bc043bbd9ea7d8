/**
 * Images a user brings (drawn on a canvas, dropped as a PNG) under a trained run: −log p(x) of each, and completions
 * of the pixels they leave out. Values are brought onto the run's data first: binary runs see pixels thresholded at
 * 0.5, 8-bit runs see them rounded to 1/255 steps.
 */
import { noGrad } from "../autograd/tape.js";
import { datasetInfo } from "../data/datasets.js";
import { canComplete, hasDensity, hasPerPixelDensity, type Estimator } from "../models/index.js";
import { tensor } from "../tensor/create.js";
import { Generator } from "../tensor/rng.js";
import { requireCapability } from "./capabilities.js";
import type { Images } from "./generate.js";
import { openRun, runSplit, type OpenRun } from "./runs.js";

/** The most images one call scores or completes. */
export const MAX_USER_IMAGES = 10_000;

export interface ImageScores {
  model: string;
  /** −log p(x) per image, nats */
  nll_nats: Float64Array;
  /** the same per dimension, in bits */
  bits_per_dim: Float64Array;
  estimator: Estimator;
  /** how the values were brought onto the run's data */
  preprocessing: "threshold-0.5" | "round-1/255";
  /** with `perPixel`, where the model has per-pixel conditionals: −log p(x_i | x_<i), n × dim, raster order */
  per_pixel_nats?: Float64Array;
}

export interface ScoreOptions {
  /** use the model's cheaper validation estimate (e.g. the ELBO instead of IWAE-5000) where it has one */
  cheap?: boolean;
  seed?: number;
  /** also the per-value conditionals, where the model has them (autoregressive models: the studio's heat map) */
  perPixel?: boolean;
}

function prepare(run: OpenRun, values: ArrayLike<number>): { x: Float32Array; n: number; binary: boolean } {
  const D = run.config.dim;
  if (values.length === 0 || values.length % D !== 0)
    throw new RangeError(`expected whole images of ${D} values (${run.config.shape.join("×")}), got ${values.length}`);
  const n = values.length / D;
  if (n > MAX_USER_IMAGES) throw new RangeError(`${n} images is too many; at most ${MAX_USER_IMAGES} per call`);
  const binary = datasetInfo(run.config.dataset).binarization !== "none";
  const x = new Float32Array(values.length);
  for (let i = 0; i < x.length; i++) {
    const v = Number(values[i]);
    if (!(v >= 0 && v <= 1)) throw new RangeError(`pixel ${i} is ${values[i]}; values must lie in [0, 1]`);
    x[i] = binary ? (v >= 0.5 ? 1 : 0) : Math.round(v * 255) / 255;
  }
  return { x, n, binary };
}

function scoreOpen(run: OpenRun, values: ArrayLike<number>, o: ScoreOptions): ImageScores {
  const model = requireCapability(run.model, run.config.model, hasDensity, "exact-density", "score images");
  const { x, n, binary } = prepare(run, values);
  const g = new Generator(o.seed ?? run.config.seed);
  // per-pixel values from the same generator state, so that sampled (dequantized) scores sum to the image's
  const atStart = new Generator();
  atStart.setState(g.getState());
  model.eval();
  const r = noGrad(() => {
    const t = tensor(x, [n, run.config.dim]);
    return o.cheap && model.validationLogLikelihood ? model.validationLogLikelihood(t, g) : model.logLikelihood(t, g);
  });
  const nll = Float64Array.from(r.logp, (v) => -v);
  const perPixel =
    o.perPixel && hasPerPixelDensity(model)
      ? Float64Array.from(
          noGrad(() => model.perPixelLogLikelihood(tensor(x, [n, run.config.dim]), null, atStart)),
          (v) => -v,
        )
      : null;
  return {
    ...(perPixel ? { per_pixel_nats: perPixel } : {}),
    model: run.config.model,
    nll_nats: nll,
    bits_per_dim: nll.map((v) => v / (run.config.dim * Math.LN2)),
    estimator: r.estimator,
    preprocessing: binary ? "threshold-0.5" : "round-1/255",
  };
}

/**
 * −log p(x) in nats and bits/dim of images [n × dim values in [0, 1]] under a run with a density (or a bound); the
 * run as a path, or already opened (the studio keeps runs open between requests).
 */
export function scoreImages(target: string | OpenRun, values: ArrayLike<number>, o: ScoreOptions = {}): ImageScores {
  return scoreOpen(typeof target === "string" ? openRun(target) : target, values, o);
}

/** Scores of the first n images of a split (a reference to rank a user's image against), with the same estimator. */
export function referenceScores(
  target: string | OpenRun,
  o: ScoreOptions & { n?: number; split?: string; dataDir?: string } = {},
): ImageScores {
  const run = typeof target === "string" ? openRun(target) : target;
  const split = runSplit(run, o.split ?? "test", o.dataDir ? { dataDir: o.dataDir } : {});
  const n = Math.min(o.n ?? 500, split.n);
  return scoreOpen(run, split.values.subarray(0, n * split.dim), o);
}

/** The share of reference scores below `score` (0: more likely than every reference image). */
export function percentile(score: number, reference: ArrayLike<number>): number {
  let below = 0;
  for (let i = 0; i < reference.length; i++) if (reference[i]! < score) below++;
  return (100 * below) / reference.length;
}

/** `samples` completions of one image: the pixels outside `observed` (1 = kept, per pixel) are sampled. */
export function completeImages(
  target: string,
  values: ArrayLike<number>,
  o: { observed: Uint8Array; samples?: number; seed?: number },
): Images {
  const run = openRun(target);
  const model = requireCapability(run.model, run.config.model, canComplete, "completer", "complete images");
  const { x, n } = prepare(run, values);
  const D = run.config.dim,
    k = o.samples ?? 8;
  if (n !== 1) throw new RangeError(`complete one image at a time, got ${n}`);
  if (o.observed.length !== D) throw new RangeError(`the observed mask has ${o.observed.length} values, not ${D}`);
  if (!Number.isInteger(k) || k < 1 || k > 256)
    throw new RangeError(`samples must be an integer in [1, 256], got ${k}`);
  const xs = new Float32Array(k * D);
  for (let s = 0; s < k; s++) xs.set(x, s * D);
  model.eval();
  const out = noGrad(() => model.complete(tensor(xs, [k, D]), o.observed, new Generator(o.seed ?? 0)));
  return { values: Float32Array.from(out.toArray()), n: k, shape: run.config.shape };
}
