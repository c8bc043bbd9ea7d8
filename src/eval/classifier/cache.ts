/**
 * The classifier's checkpoint cache: one safetensors file per recipe, named by the recipe hash, holding the weights
 * and (as metadata) the recipe, its hash, and the accuracy and wall-clock measured when it was trained.
 */
import { existsSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CheckpointError, readSafetensors, writeSafetensors, type SafeArray } from "../../train/safetensors.js";
import { Tensor } from "../../tensor/tensor.js";
import { VERSION } from "../../version.js";
import { Classifier, type ClassifierProvenance } from "./classifier.js";
import { MnistClassifier } from "./network.js";
import { DEFAULT_RECIPE, recipeHash, type ClassifierRecipe } from "./recipe.js";

/** The cache directory: the argument, else $DEEPGEN_CACHE/classifier, else ~/.cache/deepgen/classifier. */
export function resolveCacheDir(dir?: string): string {
  if (dir) return path.resolve(dir);
  const root = process.env.DEEPGEN_CACHE ?? path.join(os.homedir(), ".cache", "deepgen");
  return path.resolve(root, "classifier");
}

export function checkpointFile(cacheDir: string, recipe: ClassifierRecipe = DEFAULT_RECIPE): string {
  return path.join(cacheDir, `${recipe.dataset ?? "mnist"}-cnn-${recipeHash(recipe)}.safetensors`);
}

export function saveClassifier(cacheDir: string, c: Classifier): string {
  mkdirSync(cacheDir, { recursive: true });
  const file = checkpointFile(cacheDir, c.recipe);
  const tensors = new Map(
    [...c.net.stateDict()].map(([k, t]) => [k, { shape: [...t.shape], data: t.contiguous().data as SafeArray }]),
  );
  writeSafetensors(file, tensors, {
    deepgen: VERSION,
    kind: "mnist-classifier",
    recipe: JSON.stringify(c.recipe),
    recipe_hash: c.hash,
    provenance: JSON.stringify(c.provenance),
  });
  return file;
}

/** Is a classifier trained with this recipe cached in `cacheDir`? */
export function hasClassifier(cacheDir?: string, recipe: ClassifierRecipe = DEFAULT_RECIPE): boolean {
  return existsSync(checkpointFile(resolveCacheDir(cacheDir), recipe));
}

/**
 * Loads the cached classifier for `recipe` (default: the fixed recipe). The file's stored recipe must hash to the
 * recipe asked for and its tensors must match the architecture, else a CheckpointError says what to do.
 */
export function loadClassifier(cacheDir?: string, recipe: ClassifierRecipe = DEFAULT_RECIPE): Classifier {
  const dir = resolveCacheDir(cacheDir);
  const file = checkpointFile(dir, recipe);
  if (!existsSync(file))
    throw new CheckpointError(
      file,
      `no trained ${recipe.dataset ?? "MNIST"} classifier here; train it first with trainClassifier()`,
    );
  const f = readSafetensors(file);
  const want = recipeHash(recipe);
  let stored: ClassifierRecipe;
  try {
    stored = JSON.parse(f.metadata.recipe ?? "null") as ClassifierRecipe;
  } catch {
    throw new CheckpointError(file, "its recipe metadata is not JSON; delete the file and retrain");
  }
  if (
    f.metadata.kind !== "mnist-classifier" ||
    !stored ||
    recipeHash(stored) !== want ||
    f.metadata.recipe_hash !== want
  )
    throw new CheckpointError(file, `was not trained by recipe ${want}; delete the file and retrain`);
  const net = new MnistClassifier(recipe.arch);
  const state = new Map<string, Tensor>();
  for (const [k, t] of f.tensors) {
    if (!(t.data instanceof Float32Array)) throw new CheckpointError(file, `${k} has dtype ${t.dtype}, expected F32`);
    state.set(k, new Tensor(t.data, t.shape));
  }
  try {
    net.loadStateDict(state);
  } catch (e) {
    throw new CheckpointError(file, `${(e as Error).message}; delete the file and retrain`);
  }
  const provenance = JSON.parse(f.metadata.provenance ?? "{}") as ClassifierProvenance;
  return new Classifier(net, recipe, provenance);
}
