/** The MNIST classifier behind the sample-quality metrics. */
export { Classifier, accuracyOf, type FeatureExtractor, type ClassifierProvenance } from "./classifier.js";
export { MnistClassifier, DEFAULT_ARCH, type ClassifierArch } from "./network.js";
export { DEFAULT_RECIPE, recipeHash, type ClassifierRecipe } from "./recipe.js";
export { resolveCacheDir, checkpointFile, saveClassifier, loadClassifier, hasClassifier } from "./cache.js";
export {
  ensureClassifier,
  trainClassifier,
  shiftImages,
  type ClassifierProgress,
  type TrainClassifierOptions,
} from "./train.js";
