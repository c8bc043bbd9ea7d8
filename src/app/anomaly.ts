/**
 * One-class anomaly detection on MNIST (the protocol of Ruff et al. 2018): for each digit class, train a density model
 * on that class alone, score the whole test set, and report how well the scores single out the other nine classes —
 * AUROC, average precision and FPR at 95% TPR per class, and the mean AUROC. The scores (−log p(x), input complexity,
 * likelihood ratio against a background model) and the averaging over binarizations are in anomaly-scores.ts.
 * `split: "valid"` scores the validation split (all ten digits, labelled) instead, to choose a configuration without
 * looking at the test set.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { datasetInfo, DATASETS, type SplitName } from "../data/datasets.js";
import { noiseName } from "../data/perturb.js";
import { subsetName } from "../data/subset.js";
import { detectionMetrics, type DetectionMetrics } from "../eval/anomaly.js";
import { getModelSpec, isScorer, type GenerativeModel, type RecipeName, type Scorer } from "../models/index.js";
import { readConfig } from "../train/checkpoint.js";
import {
  classTrainingImages,
  combineScores,
  ONE_CLASS_SCORES,
  oneClassScores,
  scoringImages,
  type OneClassScore,
  type ScoringImages,
} from "./anomaly-scores.js";
import { requireCapability } from "./capabilities.js";
import { fit, type FitHooks } from "./fit.js";
import type { RunSpec } from "./run-spec.js";
import { openRun } from "./runs.js";

export { ONE_CLASS_SCORES, type OneClassScore } from "./anomaly-scores.js";

/**
 * The scoring chosen on the valid split (README, "One-class MNIST"): input complexity averaged over 8 fresh
 * binarizations. The command's defaults; `oneClass` itself defaults to plain −log p(x) of the stored images.
 */
export const ONE_CLASS_DEFAULTS = { score: "complexity", binarizations: 8 } as const satisfies {
  score: OneClassScore;
  binarizations: number;
};

export interface OneClassOptions {
  /**
   * the model, or several joined by commas (`made,nade`): each class's score is then the mean over the models of
   * their scores standardized on the class's own training images (see `combineScores`)
   */
  model: string;
  /** the digit classes to treat as normal, one run each (default 0–9) */
  classes?: number[];
  /**
   * labelled dataset (default: the one-class recipe's, else mnist-fixed); mnist-dynamic redraws the training
   * binarization every epoch
   */
  data?: string;
  /** config file or inline JSON for every run, as for fit */
  config?: string;
  epochs?: number;
  /** the seed of a single run per class (default 0); ignored when `seeds` is given */
  seed?: number;
  /**
   * an ensemble per class: one run per seed, the score the mean of the runs' scores (a run of seed s ≠ 0 lives in
   * `one-class-<model>-<digit>-seed<s>`)
   */
  seeds?: number[];
  runs?: string;
  dataDir?: string;
  /** the anomaly score: −log p(x) (default), input complexity or likelihood ratio (see anomaly-scores.ts) */
  score?: OneClassScore;
  /** the split scored: test (default), or valid to choose a configuration */
  split?: "valid" | "test";
  /** average the score over this many fresh binarizations of the 8-bit images (default 0: the stored images) */
  binarizations?: number;
  /** μ of the likelihood-ratio background's training data: each pixel flipped with probability μ (default 0.1) */
  noise?: number;
  onClass?(digit: number, index: number, total: number): void;
  /** each digit's row as soon as it is scored (the result holds them all at the end) */
  onRow?(row: OneClassRow): void;
  hooks?: FitHooks;
}

export interface OneClassRow extends DetectionMetrics {
  digit: number;
  run_dir: string;
  estimator: string;
}

export interface OneClassResult {
  model: string;
  /** the recipe the per-class runs start from (one per model, joined by commas) */
  recipe: string;
  data: string;
  score: string;
  /** the seeds of each class's runs, whose scores are averaged */
  seeds: number[];
  split: "valid" | "test";
  /** what was scored: the stored images, or the mean over fresh binarizations of the 8-bit ones */
  images: string;
  rows: OneClassRow[];
  mean_auroc: number;
}

export function parseClasses(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(",")) {
    const m = /^(\d)(?:-(\d))?$/.exec(part.trim());
    if (!m) throw new RangeError(`classes: "${part}" is not a digit or a range such as 0-9`);
    const a = Number(m[1]),
      b = Number(m[2] ?? m[1]);
    if (b < a) throw new RangeError(`classes: "${part}" is an empty range`);
    for (let d = a; d <= b; d++) out.add(d);
  }
  return [...out].sort((x, y) => x - y);
}

/** The model's own recipe for one-class runs where it declares one, else its default recipe. */
export function oneClassRecipe(model: string): RecipeName {
  return getModelSpec(model).recipes?.["one-class"] ? "one-class" : "default";
}

/** The dataset of the model's one-class recipe where it has one (its default recipe's data has no labels). */
export function oneClassData(model: string): string {
  const data = oneClassModels(model).map((m) => getModelSpec(m).recipes?.["one-class"]?.dataset ?? "mnist-fixed");
  if (new Set(data).size > 1)
    throw new RangeError(`${model}: the one-class recipes train on ${data.join(" and ")}; choose one with --data`);
  return data[0]!;
}

/** The models of `made` or `made,nade`, each registered, none twice. */
export function oneClassModels(model: string): string[] {
  const models = model.split(",").map((m) => m.trim());
  if (models.some((m) => m === "") || new Set(models).size !== models.length)
    throw new RangeError(`model: "${model}" is not a model or a list of distinct models such as made,nade`);
  models.forEach((m) => getModelSpec(m));
  return models;
}

/** Standardization images per class when scores of several models are combined (fitted on these only). */
export const STANDARDIZE_IMAGES = 1000;

const ALL_DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** One run of the plan: a digit's model of one seed, or its likelihood-ratio background. */
interface ClassRun {
  model: string;
  digit: number;
  seed: number;
  runDir: string;
  dataset: string;
  background: boolean;
}

/** The seeds of the per-class ensemble: `seeds`, else the single `seed` (default 0). */
export function oneClassSeeds(o: Pick<OneClassOptions, "seed" | "seeds">): number[] {
  const seeds = o.seeds ?? [o.seed ?? 0];
  if (seeds.length === 0 || !seeds.every((s) => Number.isInteger(s) && s >= 0))
    throw new RangeError(`seeds must be non-negative integers, got ${JSON.stringify(seeds)}`);
  if (new Set(seeds).size !== seeds.length) throw new RangeError(`seeds: ${seeds.join(",")} repeats a seed`);
  return seeds;
}

/**
 * The background's training data: the digit's images with each pixel flipped with probability μ. Noise needs a
 * fixed binarization, so a dynamically binarized dataset's background trains on its `-fixed` counterpart.
 */
function backgroundData(data: string, digit: number, noise: number): string {
  const fixed = data.replace(/-dynamic$/, "-fixed");
  const base = DATASETS.some((d) => d.name === fixed) ? fixed : data;
  if (datasetInfo(base).binarization === "dynamic")
    throw new RangeError(`likelihood-ratio: dataset "${data}" has no fixed binarization for the background`);
  return noiseName(subsetName(base, [digit]), noise);
}

/** Every run the options need, in order: per digit and seed its model, then its likelihood-ratio background. */
function classRuns(o: OneClassOptions): ClassRun[] {
  const data = o.data ?? oneClassData(o.model),
    root = path.resolve(o.runs ?? "runs"),
    noise = o.noise ?? 0.1;
  if (!(noise > 0 && noise < 1)) throw new RangeError(`noise must be in (0, 1), got ${noise}`);
  const seeds = oneClassSeeds(o),
    models = oneClassModels(o.model);
  return (o.classes ?? ALL_DIGITS).flatMap((digit) =>
    models.flatMap((model) =>
      seeds.flatMap((seed) => {
        const own = path.join(root, `one-class-${model}-${digit}${seed === 0 ? "" : `-seed${seed}`}`);
        const run = { model, digit, seed, runDir: own, dataset: subsetName(data, [digit]), background: false };
        if (o.score !== "likelihood-ratio") return [run];
        return [run, { ...run, runDir: `${own}-noise${noise}`, dataset: backgroundData(data, digit, noise) }].map(
          (r, i) => ({ ...r, background: i === 1 }),
        );
      }),
    ),
  );
}

function runSpec(o: OneClassOptions, r: ClassRun): RunSpec {
  return {
    model: r.model,
    recipe: oneClassRecipe(r.model),
    out: r.runDir,
    resume: existsSync(path.join(r.runDir, "config.json")),
    training: { dataset: r.dataset, ...(o.epochs ? { epochs: o.epochs } : {}) },
    ...(o.config ? { config: o.config } : {}),
    seed: r.seed,
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
  };
}

const finished = (runDir: string): boolean =>
  existsSync(path.join(runDir, "config.json")) && readConfig(runDir).metrics !== undefined;

/** The per-class runs still to do. */
export function oneClassPlan(o: OneClassOptions): RunSpec[] {
  return classRuns(o)
    .filter((r) => !finished(r.runDir))
    .map((r) => runSpec(o, r));
}

/** The run's best weights as a scorer, trained first unless it finished. */
async function trainedScorer(o: OneClassOptions, r: ClassRun): Promise<GenerativeModel & Scorer> {
  if (!finished(r.runDir)) await fit(runSpec(o, r), o.hooks);
  const run = openRun(r.runDir);
  return requireCapability(run.model, r.model, isScorer, "exact-density", "score images for anomaly detection");
}

export async function oneClass(o: OneClassOptions): Promise<OneClassResult> {
  const classes = o.classes ?? ALL_DIGITS;
  const data = o.data ?? oneClassData(o.model),
    split: SplitName = o.split ?? "test",
    score = o.score ?? "nll";
  const images = scoringImages(data, split, o.binarizations ?? 0, o.dataDir);
  const runs = classRuns(o),
    models = oneClassModels(o.model),
    binarizations = o.binarizations ?? 0;
  const rows: OneClassRow[] = [];
  for (const [i, digit] of classes.entries()) {
    o.onClass?.(digit, i, classes.length);
    const own = runs.filter((r) => r.digit === digit && !r.background);
    let estimator = "exact";
    /** each model's score: the mean over its seeds' runs, of the scored images and of the standardization ones */
    const modelScores = async (model: string, imgs: ScoringImages): Promise<Float64Array> => {
      const mine = own.filter((r) => r.model === model);
      const sum = new Float64Array(imgs.labels.length);
      for (const run of mine) {
        const scorer = await trainedScorer(o, run);
        const bg = runs.find((r) => r.background && r.model === model && r.seed === run.seed && r.digit === digit);
        const background = bg ? await trainedScorer(o, bg) : null;
        const member = oneClassScores(score, imgs, scorer, background, run.seed);
        member.scores.forEach((v, j) => (sum[j]! += v / mine.length));
        estimator = member.estimator;
      }
      return sum;
    };
    const train =
      models.length > 1
        ? classTrainingImages(data, digit, binarizations, { limit: STANDARDIZE_IMAGES, dataDir: o.dataDir })
        : null;
    const parts: { scores: Float64Array; fit: Float64Array | null }[] = [];
    for (const model of models)
      parts.push({ scores: await modelScores(model, images), fit: train && (await modelScores(model, train)) });
    const scores = combineScores(parts);
    const anomalous = Uint8Array.from(images.labels, (y) => (y === digit ? 0 : 1));
    rows.push({ digit, run_dir: own[0]!.runDir, estimator, ...detectionMetrics(scores, anomalous) });
    o.onRow?.(rows[rows.length - 1]!);
  }
  return {
    model: o.model,
    recipe: models.map(oneClassRecipe).join(","),
    data,
    score: ONE_CLASS_SCORES[score],
    seeds: oneClassSeeds(o),
    split: o.split ?? "test",
    images: images.description,
    rows,
    mean_auroc: rows.reduce((s, r) => s + r.auroc, 0) / rows.length,
  };
}
