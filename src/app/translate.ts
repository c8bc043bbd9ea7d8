/**
 * Unpaired translation runs: the translation report (label survival both ways, cycle error, read by classifiers of
 * each domain, trained once and cached) and the grid of test images with their translations and round trips.
 */
import { loadDataset } from "../data/datasets.js";
import { checkSampleCount } from "../data/limits.js";
import { greyToRgb, TEXTURED, TRANSLATION } from "../data/translation.js";
import { DEFAULT_ARCH } from "../eval/classifier/network.js";
import { DEFAULT_RECIPE, type ClassifierRecipe } from "../eval/classifier/recipe.js";
import { ensureClassifier, type ClassifierProgress } from "../eval/classifier/train.js";
import { translationMetrics, type TranslationMetrics } from "../eval/translation.js";
import { canTranslate, type GenerativeModel, type Translator } from "../models/index.js";
import { tensor } from "../tensor/create.js";
import { requireCapability } from "./capabilities.js";
import type { Images } from "./generate.js";
import { openRun, type OpenRun } from "./runs.js";

/**
 * The colour domain's classifier: the MNIST classifier's recipe on `mnist-textured` with three input channels, for 2
 * epochs instead of 4 (half the minutes; its test accuracy is reported beside every survival rate).
 */
export const TEXTURED_CLASSIFIER: ClassifierRecipe = {
  ...DEFAULT_RECIPE,
  arch: { ...DEFAULT_ARCH, inChannels: 3 },
  dataset: TEXTURED,
  epochs: 2,
};

export interface TranslationOptions {
  /** test images per direction (default: all 10,000) */
  n?: number;
  /** where the classifiers are cached (default $DEEPGEN_CACHE/classifier or ~/.cache/deepgen/classifier) */
  cacheDir?: string;
  batchSize?: number;
  /** changes to the classifiers' recipes (tests use small ones; a changed recipe is another cached file) */
  classifierRecipes?: { a?: Partial<ClassifierRecipe>; b?: Partial<ClassifierRecipe> };
  /** when a classifier is trained here: test images its recorded accuracy is measured on (default: all) */
  classifierEvalImages?: number;
  /** the classifiers' training, on first use */
  onClassifier?(domain: "a" | "b", p: ClassifierProgress): void;
}

export interface TranslationReport extends TranslationMetrics {
  model: string;
  dataset: string;
  seconds: number;
}

/** Does the run's model translate between domains? (Interfaces use it to pick the report they print.) */
export function runCanTranslate(target: string): boolean {
  return canTranslate(openRun(target).model);
}

function openTranslator(target: string): { run: OpenRun; model: GenerativeModel & Translator } {
  const run = openRun(target);
  const model = requireCapability(run.model, run.config.model, canTranslate, "translator", "translate images");
  if (run.config.dataset !== TRANSLATION)
    throw new RangeError(
      `${target}: translation metrics know the domains of ${TRANSLATION}, not of "${run.config.dataset}"`,
    );
  return { run, model };
}

/** The grey test digits and their textured counterparts, first n of each. */
function testDomains(n: number | undefined) {
  const take = <S extends { n: number; dim: number; values: Float32Array; labels: Int32Array | null }>(s: S): S => {
    const k = Math.min(n ?? s.n, s.n);
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`n must be a positive integer, not ${n}`);
    return { ...s, n: k, values: s.values.subarray(0, k * s.dim), labels: s.labels?.subarray(0, k) ?? null };
  };
  return { a: take(loadDataset("mnist").split("test")), b: take(loadDataset(TEXTURED).split("test")) };
}

export function translationReport(target: string, o: TranslationOptions = {}): TranslationReport {
  const { run, model } = openTranslator(target);
  const t0 = Date.now();
  const cache = {
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    ...(o.classifierEvalImages ? { evalImages: o.classifierEvalImages } : {}),
  };
  const a = ensureClassifier({ ...cache, recipe: { ...o.classifierRecipes?.a } }, (p) => o.onClassifier?.("a", p));
  const b = ensureClassifier({ ...cache, recipe: { ...TEXTURED_CLASSIFIER, ...o.classifierRecipes?.b } }, (p) =>
    o.onClassifier?.("b", p),
  );
  const test = testDomains(o.n);
  const m = translationMetrics(model, test.a, test.b, { a, b }, o.batchSize ?? 250);
  return { model: run.config.model, dataset: run.config.dataset, ...m, seconds: (Date.now() - t0) / 1000 };
}

/**
 * A grid of n test images per domain (columns) and 6 rows: a, G(a), F(G(a)), then b, F(b), G(F(b)); 3-channel.
 */
export function translationGrid(target: string, o: { n?: number } = {}): Images & { rows: number; cols: number } {
  const { model } = openTranslator(target);
  const n = o.n ?? 8;
  const D = model.domainShape.reduce((x, y) => x * y, 1);
  checkSampleCount(6 * n, D);
  const test = testDomains(n);
  const cols = test.a.n;
  const rowsOf = (x: Float32Array, there: "a-to-b" | "b-to-a", back: "a-to-b" | "b-to-a"): Float32Array[] => {
    const t = model.translate(tensor(x, [cols, D]), there);
    return [x, t.contiguous().data as Float32Array, model.translate(t, back).contiguous().data as Float32Array];
  };
  const rows = [
    ...rowsOf(greyToRgb(test.a.values, cols), "a-to-b", "b-to-a"),
    ...rowsOf(test.b.values.slice(0, cols * D), "b-to-a", "a-to-b"),
  ];
  const values = new Float32Array(6 * cols * D);
  rows.forEach((r, i) => values.set(r, i * cols * D));
  return { values, n: 6 * cols, shape: model.domainShape, rows: 6, cols };
}
