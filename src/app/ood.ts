/**
 * Out-of-distribution detection (Fashion-MNIST → MNIST by default): train a density model on the in-distribution
 * data and a background model of the same kind and options on a perturbed copy of it, score the test images of both
 * sets by −log p(x) and three corrections (likelihood ratio, input complexity, typicality; see eval/ood.ts), and
 * report AUROC, average precision and FPR at 95% TPR per score with the out-of-distribution images as positives. Also
 * writes the scores' histograms and the 16 most anomalous test images under each score as PNGs.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { DATASETS, datasetInfo, loadDataset, type Split } from "../data/datasets.js";
import { writeHistogramsPng } from "../data/histogram-png.js";
import { noiseName } from "../data/perturb.js";
import { writeImageGrid } from "../data/png.js";
import { detectionMetrics, type DetectionMetrics } from "../eval/anomaly.js";
import { evaluateNll } from "../eval/likelihood.js";
import {
  complexityOfImages,
  OOD_SCORE_DESCRIPTIONS,
  OOD_SCORES,
  oodScores,
  topK,
  type OodScoreName,
} from "../eval/ood.js";
import { isScorer, type GenerativeModel, type Scorer } from "../models/index.js";
import { Generator } from "../tensor/rng.js";
import { readConfig } from "../train/checkpoint.js";
import { requireCapability } from "./capabilities.js";
import { fit, type FitHooks } from "./fit.js";
import type { RunSpec } from "./run-spec.js";
import { savedStep } from "./position.js";
import { openRun } from "./runs.js";

export interface OodOptions {
  model: string;
  /** in-distribution dataset (default fashion-mnist) */
  in?: string;
  /** out-of-distribution dataset (default mnist) */
  out?: string;
  /** use both datasets' fixed binarizations (`<name>-fixed`) */
  binarized?: boolean;
  /** config file or inline JSON for both runs, as for fit */
  config?: string;
  epochs?: number;
  seed?: number;
  /** where the two runs live (finished ones are read, not retrained); default runs */
  runs?: string;
  dataDir?: string;
  /** μ: probability that the background model's training data has a value perturbed (default 0.2 8-bit, 0.1 binary) */
  noise?: number;
  /** test images per set (default all) */
  limit?: number;
  /** training images whose mean NLL centres the typicality score (default 2000) */
  trainImages?: number;
  /** train each run up to this step only (short runs; a run already there is not trained further) */
  maxSteps?: number;
  /** folder for the PNGs (default <runs>/ood-<model>-<in>-vs-<out>) */
  figures?: string;
  onStage?(message: string): void;
  hooks?: FitHooks;
}

export interface OodRow extends DetectionMetrics {
  score: OodScoreName;
  description: string;
  mean_in: number;
  mean_out: number;
  top16_png: string;
}

export interface OodResult {
  model: string;
  in: string;
  out: string;
  binarized: boolean;
  estimator: string;
  noise: number;
  n_in: number;
  n_out: number;
  train_nll_nats: number;
  train_nll_images: number;
  typicality: string;
  complexity: string;
  runs: { model: string; background: string };
  rows: OodRow[];
  histograms_png: string;
  /** the panels of histograms_png, top to bottom; first set blue (in), second orange (out) */
  histogram_panels: OodScoreName[];
}

/** The binarized variant of a dataset name: itself when already binary, else `<name>-fixed`. */
export function binarizedName(name: string): string {
  if (datasetInfo(name).binarization !== "none") return name;
  const fixed = `${name}-fixed`;
  if (!DATASETS.some((d) => d.name === fixed))
    throw new RangeError(`dataset "${name}" has no binarized variant "${fixed}"`);
  return fixed;
}

const finished = (runDir: string): boolean =>
  existsSync(path.join(runDir, "config.json")) && readConfig(runDir).metrics !== undefined;

function runSpec(o: OodOptions, dataset: string, runDir: string): RunSpec {
  return {
    model: o.model,
    out: runDir,
    resume: existsSync(path.join(runDir, "config.json")),
    training: { dataset, ...(o.epochs ? { epochs: o.epochs } : {}) },
    ...(o.config ? { config: o.config } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
  };
}

/**
 * Trains the run unless it finished (or, with `maxSteps`, already reached that step: runs trained beforehand with
 * `deepgen train --max-steps` are used as they are), then opens its best (or last) weights as a scorer.
 */
async function trained(o: OodOptions, dataset: string, runDir: string): Promise<GenerativeModel & Scorer> {
  const left = o.maxSteps === undefined ? undefined : o.maxSteps - savedStep(runDir);
  if (!finished(runDir) && (left === undefined || left > 0))
    await fit({ ...runSpec(o, dataset, runDir), ...(left !== undefined ? { maxSteps: left } : {}) }, o.hooks);
  const run = openRun(runDir);
  return requireCapability(run.model, o.model, isScorer, "exact-density", "score out-of-distribution images");
}

/** The first n images of a split (all of them when n is undefined or larger). */
function firstImages(s: Split, n?: number): Split {
  const k = Math.min(s.n, n ?? s.n);
  return k === s.n
    ? s
    : { ...s, n: k, values: s.values.subarray(0, k * s.dim), labels: s.labels?.subarray(0, k) ?? null };
}

/** k training images drawn without replacement (seeded). */
function trainSample(s: Split, k: number, seed: number): Split {
  const idx = new Generator(seed).permutation(s.n).subarray(0, Math.min(k, s.n));
  const values = new Float32Array(idx.length * s.dim);
  idx.forEach((r, i) => values.set(s.values.subarray(r * s.dim, (r + 1) * s.dim), i * s.dim));
  return { ...s, n: idx.length, values, labels: null };
}

/** Every score of the in-distribution then the OOD test images, and the training images' mean NLL. */
function scoreSets(
  model: GenerativeModel & Scorer,
  background: GenerativeModel & Scorer,
  inTest: Split,
  outTest: Split,
  train: Split,
  seed: number,
): { scores: Partial<Record<OodScoreName, Float64Array>>; trainNll: number; estimator: string } {
  let estimator = "exact";
  const nll = (m: GenerativeModel & Scorer, s: Split): Float64Array => {
    const r = evaluateNll(m, s, { batchSize: 250, seed, keepPerImage: true });
    estimator = r.estimator;
    return r.perImage!;
  };
  const both = (f: (s: Split) => Float64Array) => Float64Array.from([...f(inTest), ...f(outTest)]);
  const trainNll = nll(model, train).reduce((a, b) => a + b, 0) / train.n;
  const scores = oodScores({
    nll: both((s) => nll(model, s)),
    backgroundNll: both((s) => nll(background, s)),
    complexityBits: both((s) => complexityOfImages(s.values, s.n, s.shape)),
    trainNll,
  });
  return { scores, trainNll, estimator };
}

export async function ood(o: OodOptions): Promise<OodResult> {
  const binarized = !!o.binarized;
  const inName = binarized ? binarizedName(o.in ?? "fashion-mnist") : (o.in ?? "fashion-mnist");
  const outName = binarized ? binarizedName(o.out ?? "mnist") : (o.out ?? "mnist");
  const noise = o.noise ?? (datasetInfo(inName).binarization === "none" ? 0.2 : 0.1);
  if (!(noise > 0 && noise < 1)) throw new RangeError(`noise must be in (0, 1), got ${noise}`);
  const seed = o.seed ?? 0;
  const runs = path.resolve(o.runs ?? "runs");
  const modelDir = path.join(runs, `ood-${o.model}-${inName}`),
    backgroundDir = path.join(runs, `ood-${o.model}-${inName}-noise${noise}`);
  const inTest = firstImages(loadDataset(inName, o.dataDir).split("test"), o.limit);
  const outTest = firstImages(loadDataset(outName, o.dataDir).split("test"), o.limit);
  if (inTest.shape.join() !== outTest.shape.join())
    throw new RangeError(`"${inName}" images are ${inTest.shape.join("×")}, "${outName}" ${outTest.shape.join("×")}`);

  o.onStage?.(`model: ${o.model} on ${inName} (${modelDir})`);
  const model = await trained(o, inName, modelDir);
  o.onStage?.(`background: ${o.model} on ${noiseName(inName, noise)} (${backgroundDir})`);
  const background = await trained(o, noiseName(inName, noise), backgroundDir);

  o.onStage?.(`scoring ${inTest.n} + ${outTest.n} test images`);
  const train = trainSample(loadDataset(inName, o.dataDir).split("train"), o.trainImages ?? 2000, seed);
  const { scores, trainNll, estimator } = scoreSets(model, background, inTest, outTest, train, seed);
  const labels = Uint8Array.from({ length: inTest.n + outTest.n }, (_, i) => (i < inTest.n ? 0 : 1));
  const figures = path.resolve(o.figures ?? path.join(runs, `ood-${o.model}-${inName}-vs-${outName}`));
  const rows = OOD_SCORES.map((name) => row(name, scores[name]!, labels, inTest, outTest, figures));
  const histograms = path.join(figures, "histograms.png");
  writeHistogramsPng(
    histograms,
    OOD_SCORES.map((k) => ({ first: scores[k]!.subarray(0, inTest.n), second: scores[k]!.subarray(inTest.n) })),
  );
  return {
    model: o.model,
    in: inName,
    out: outName,
    binarized,
    estimator,
    noise,
    n_in: inTest.n,
    n_out: outTest.n,
    train_nll_nats: trainNll,
    train_nll_images: train.n,
    typicality: "single image (batch of M = 1), centred on the mean NLL of training images",
    complexity: "8-bit PNG (fast-png: filter 0, zlib deflate), whole file in bits",
    runs: { model: modelDir, background: backgroundDir },
    rows,
    histograms_png: histograms,
    histogram_panels: [...OOD_SCORES],
  };
}

/** One score's metrics, means per set, and its top-16 grid. */
function row(name: OodScoreName, s: Float64Array, labels: Uint8Array, a: Split, b: Split, dir: string): OodRow {
  const mean = (v: Float64Array) => v.reduce((x, y) => x + y, 0) / v.length;
  const top = topK(s, 16);
  const d = a.dim,
    values = new Float32Array(top.length * d);
  top.forEach((i, k) => {
    const [src, r] = i < a.n ? [a, i] : [b, i - a.n];
    values.set(src.values.subarray(r * d, (r + 1) * d), k * d);
  });
  const file = path.join(dir, `top16-${name}.png`);
  writeImageGrid(file, values, top.length, a.shape, { nrow: 4, scale: 2 });
  return {
    score: name,
    description: OOD_SCORE_DESCRIPTIONS[name],
    ...detectionMetrics(s, labels),
    mean_in: mean(s.subarray(0, a.n)),
    mean_out: mean(s.subarray(a.n)),
    top16_png: file,
  };
}
