/**
 * One-class anomaly detection on MNIST (the protocol of Ruff et al. 2018): for each digit class, train a density model
 * on that class alone, score the whole test set by −log p(x), and report how well the scores single out the other
 * nine classes — AUROC, average precision and FPR at 95% TPR per class, and the mean AUROC. With
 * `score: "complexity"` the score is Serrà et al.'s input-complexity correction: −log₂ p(x) minus the image's PNG
 * length in bits.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { subsetName } from "../data/subset.js";
import { loadDataset } from "../data/datasets.js";
import { detectionMetrics, type DetectionMetrics } from "../eval/anomaly.js";
import { complexityOfImages } from "../eval/ood.js";
import { getModelSpec, type RecipeName } from "../models/index.js";
import { readConfig } from "../train/checkpoint.js";
import { evaluate } from "./evaluate.js";
import { fit, type FitHooks } from "./fit.js";
import type { RunSpec } from "./run-spec.js";

export interface OneClassOptions {
  model: string;
  /** the digit classes to treat as normal, one run each (default 0–9) */
  classes?: number[];
  /** labelled dataset (default mnist-fixed) */
  data?: string;
  /** config file or inline JSON for every run, as for fit */
  config?: string;
  epochs?: number;
  seed?: number;
  runs?: string;
  dataDir?: string;
  /** the anomaly score: −log p(x) (default) or −log₂ p(x) − PNG bits (input complexity, Serrà et al. 2020) */
  score?: OneClassScore;
  onClass?(digit: number, index: number, total: number): void;
  hooks?: FitHooks;
}

export type OneClassScore = "nll" | "complexity";
export const ONE_CLASS_SCORES: Record<OneClassScore, string> = {
  nll: "-log p(x)",
  complexity: "-log2 p(x) - PNG bits",
};

export interface OneClassRow extends DetectionMetrics {
  digit: number;
  run_dir: string;
  estimator: string;
}

export interface OneClassResult {
  model: string;
  /** the recipe the per-class runs start from */
  recipe: RecipeName;
  data: string;
  score: string;
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

/** The run of one digit class. */
function classSpec(o: OneClassOptions, digit: number, runDir: string): RunSpec {
  return {
    model: o.model,
    recipe: oneClassRecipe(o.model),
    out: runDir,
    resume: existsSync(path.join(runDir, "config.json")),
    training: { dataset: subsetName(o.data ?? "mnist-fixed", [digit]), ...(o.epochs ? { epochs: o.epochs } : {}) },
    ...(o.config ? { config: o.config } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
  };
}

const classRunDir = (o: OneClassOptions, digit: number): string =>
  path.join(path.resolve(o.runs ?? "runs"), `one-class-${o.model}-${digit}`);

const finished = (runDir: string): boolean =>
  existsSync(path.join(runDir, "config.json")) && readConfig(runDir).metrics !== undefined;

/** The per-class runs still to do. */
export function oneClassPlan(o: OneClassOptions): RunSpec[] {
  return (o.classes ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    .filter((d) => !finished(classRunDir(o, d)))
    .map((d) => classSpec(o, d, classRunDir(o, d)));
}

export async function oneClass(o: OneClassOptions): Promise<OneClassResult> {
  const classes = o.classes ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const data = o.data ?? "mnist-fixed";
  const rows: OneClassRow[] = [];
  let bits: Float64Array | undefined;
  for (const [i, digit] of classes.entries()) {
    o.onClass?.(digit, i, classes.length);
    const runDir = classRunDir(o, digit);
    if (!finished(runDir)) await fit(classSpec(o, digit, runDir), o.hooks);
    const e = evaluate(runDir, { scores: true });
    const labels = e.labels;
    if (!labels) throw new RangeError(`dataset "${data}" has no labels; use mnist-fixed or mnist`);
    const anomalous = Uint8Array.from(labels, (y) => (y === digit ? 0 : 1));
    const scores = o.score === "complexity" ? complexityCorrected(e.scores!, (bits ??= testBits(o, data))) : e.scores!;
    rows.push({ digit, run_dir: runDir, estimator: e.estimator, ...detectionMetrics(scores, anomalous) });
  }
  return {
    model: o.model,
    recipe: oneClassRecipe(o.model),
    data,
    score: ONE_CLASS_SCORES[o.score ?? "nll"],
    rows,
    mean_auroc: rows.reduce((s, r) => s + r.auroc, 0) / rows.length,
  };
}

/** L(x) in bits for every test image of the dataset: its length as an 8-bit PNG. */
function testBits(o: OneClassOptions, data: string): Float64Array {
  const test = loadDataset(data, o.dataDir).split("test");
  return complexityOfImages(test.values, test.n, test.shape);
}

/** −log₂ p(x) − L(x) from −log p(x) in nats. */
function complexityCorrected(nats: ArrayLike<number>, bits: Float64Array): Float64Array {
  if (nats.length !== bits.length) throw new RangeError(`${nats.length} scores for ${bits.length} test images`);
  return Float64Array.from(nats, (v, i) => v / Math.LN2 - bits[i]!);
}
