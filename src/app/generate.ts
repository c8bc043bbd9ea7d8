/** `sample` and `complete`: images drawn from a trained run, as values in [0, 1] for the caller to draw. */
import {
  canComplete,
  canReject,
  canSample,
  canTruncate,
  isClassConditional,
  type GenerativeModel,
} from "../models/index.js";
import { tensor } from "../tensor/create.js";
import { Generator } from "../tensor/rng.js";
import { checkSampleCount } from "../data/limits.js";
import { checkTruncation } from "../models/adversarial/truncation.js";
import { checkGamma, type RejectionStats } from "../models/adversarial/rejection.js";
import { AdversarialModel } from "../models/adversarial/adversarial.js";
import { requireCapability } from "./capabilities.js";
import { openRun, runSplit } from "./runs.js";

/** Images [n, C, H, W] flattened, with their layout. */
export interface Images {
  values: Float32Array;
  n: number;
  shape: [number, number, number];
}

export interface SampleRequest {
  n: number;
  seed?: number;
  /** class of every sample, for class-conditional models */
  label?: number;
  /** latent code of every sample, for a GAN with InfoGAN's categorical code (dcgan with `codes`) */
  code?: number;
  /** draw the latent z from N(0, I) truncated to |z_i| ≤ ψ (models with the "truncation" capability) */
  truncation?: number;
  /** discriminator rejection sampling with this γ (models with the "rejection" capability; unconditional) */
  rejection?: number;
}

/**
 * The classes to sample: `label` for every image, or (for a class-conditional model asked for none) the classes in
 * turn, 0, 1, …, so a grid shows each; null for unconditional models.
 */
function sampleLabels(model: GenerativeModel, name: string, o: SampleRequest): Int32Array | null {
  if (o.label === undefined)
    return isClassConditional(model) ? Int32Array.from({ length: o.n }, (_, i) => i % model.classes) : null;
  const m = requireCapability(model, name, isClassConditional, "class-conditional", "sample a given class");
  if (!Number.isInteger(o.label) || o.label < 0 || o.label >= m.classes)
    throw new RangeError(`label ${o.label} is out of range: ${name} was trained on classes 0 … ${m.classes - 1}`);
  return new Int32Array(o.n).fill(o.label);
}

/**
 * Every sample's latent code where one is asked for, with the model that takes it (null: none asked for, the model
 * draws its codes itself).
 */
function sampleCodes(
  model: GenerativeModel,
  name: string,
  o: SampleRequest,
): { model: AdversarialModel; codes: Int32Array } | null {
  if (o.code === undefined) return null;
  if (!(model instanceof AdversarialModel) || model.latentCodes === 0)
    throw new RangeError(`${name} has no latent code to pick (a dcgan trained with the option \`codes\` has)`);
  const k = model.latentCodes;
  if (!Number.isInteger(o.code) || o.code < 0 || o.code >= k)
    throw new RangeError(`code ${o.code} is out of range: ${name} draws codes 0 … ${k - 1}`);
  return { model, codes: new Int32Array(o.n).fill(o.code) };
}

export function sample(
  target: string,
  o: SampleRequest,
): Images & { seconds: number; labels: Int32Array | null; rejection: RejectionStats | null } {
  const run = openRun(target);
  const model = requireCapability(run.model, run.config.model, canSample, "sampler", "sample");
  checkSampleCount(o.n, run.config.dim);
  const labels = sampleLabels(model, run.config.model, o),
    codes = sampleCodes(model, run.config.model, o);
  if (codes && o.rejection !== undefined) throw new RangeError("rejection sampling draws its own codes: drop --code");
  const t0 = Date.now(),
    g = new Generator(o.seed ?? 0);
  let x,
    rejection: RejectionStats | null = null;
  if (o.rejection !== undefined) {
    if (o.truncation !== undefined) throw new RangeError("rejection sampling and truncation do not combine");
    const gamma = checkGamma(o.rejection);
    const m = requireCapability(model, run.config.model, canReject, "rejection", "sample by discriminator rejection");
    ({ x, stats: rejection } = m.rejectionSample(o.n, g, { gamma }));
  } else if (codes) {
    const psi = o.truncation === undefined ? {} : { truncation: checkTruncation(o.truncation) };
    x = codes.model.sample(o.n, g, { codes: codes.codes, ...psi });
  } else if (o.truncation === undefined) x = model.sample(o.n, g, { labels });
  else {
    const psi = checkTruncation(o.truncation);
    const m = requireCapability(model, run.config.model, canTruncate, "truncation", "sample with a truncated latent");
    x = m.sample(o.n, g, { labels, truncation: psi });
  }
  const seconds = (Date.now() - t0) / 1000;
  return { values: Float32Array.from(x.toArray()), n: o.n, shape: run.config.shape, seconds, labels, rejection };
}

export interface CompleteOptions {
  /** test images to complete */
  n?: number;
  /** completions per image */
  samples?: number;
  /** observed part */
  keep?: "top" | "left";
  split?: string;
  seed?: number;
  dataDir?: string;
}

/** Which pixels stay observed: the top or the left half. */
export function observedMask(shape: [number, number, number], keep: string): Uint8Array {
  if (keep !== "top" && keep !== "left") throw new RangeError(`keep must be top or left, not "${keep}"`);
  const [c, h, w] = shape;
  return Uint8Array.from({ length: c * h * w }, (_, i) => {
    const p = i % (h * w);
    return (keep === "top" ? Math.floor(p / w) < h / 2 : p % w < w / 2) ? 1 : 0;
  });
}

/**
 * Completion grid: per row the original, the observed part (unobserved pixels at 0.25 grey), then the completions.
 */
export function complete(target: string, o: CompleteOptions = {}): Images & { rows: number; cols: number } {
  const run = openRun(target);
  const model = requireCapability(run.model, run.config.model, canComplete, "completer", "complete images");
  const observed = observedMask(run.config.shape, o.keep ?? "top");
  const split = runSplit(run, o.split ?? "test", o.dataDir ? { dataDir: o.dataDir } : {});
  const D = run.config.dim,
    n = Math.min(o.n ?? 8, split.n),
    k = o.samples ?? 5,
    cols = k + 2;
  checkSampleCount(n * k, D);
  const x = new Float32Array(n * k * D);
  for (let i = 0; i < n; i++)
    for (let s = 0; s < k; s++) x.set(split.values.subarray(i * D, (i + 1) * D), (i * k + s) * D);
  const done = model.complete(tensor(x, [n * k, D]), observed, new Generator(o.seed ?? 0)).toArray();
  const grid = new Float32Array(n * cols * D);
  for (let i = 0; i < n; i++) {
    const img = split.values.subarray(i * D, (i + 1) * D);
    grid.set(img, i * cols * D);
    grid.set(
      img.map((v, p) => (observed[p] ? v : 0.25)),
      (i * cols + 1) * D,
    );
    for (let s = 0; s < k; s++) grid.set(done.slice((i * k + s) * D, (i * k + s + 1) * D), (i * cols + 2 + s) * D);
  }
  return { values: grid, n: n * cols, shape: run.config.shape, rows: n, cols };
}
