/**
 * Trains the MNIST classifier with its fixed recipe (Adam, cosine decay, seeded order, dropout and augmentation) and
 * writes it to the cache, where `loadClassifier` finds it again.
 */
import { loadDataset, type Split } from "../../data/datasets.js";
import { batches } from "../../data/loader.js";
import { getNumThreads } from "../../backend/registry.js";
import { crossEntropy } from "../../ops/loss.js";
import { Adam } from "../../optim/adam.js";
import { cosine } from "../../optim/schedule.js";
import { tensor } from "../../tensor/create.js";
import { Generator } from "../../tensor/rng.js";
import { hasClassifier, loadClassifier, saveClassifier, resolveCacheDir } from "./cache.js";
import { accuracyOf, Classifier } from "./classifier.js";
import { MnistClassifier } from "./network.js";
import { DEFAULT_RECIPE, type ClassifierRecipe } from "./recipe.js";

export interface TrainClassifierOptions {
  /** where the checkpoint goes (default: resolveCacheDir()) */
  cacheDir?: string;
  /** changes to the default recipe (a different recipe gets a different checkpoint name) */
  recipe?: Partial<ClassifierRecipe>;
  /** measure validation and test accuracy on only the first n images (default: all 10,000; small n for tests) */
  evalImages?: number;
}

export type ClassifierProgress =
  | { kind: "batch"; epoch: number; batch: number; batches: number; loss: number }
  | { kind: "epoch"; epoch: number; epochs: number; trainLoss: number; validAccuracy: number | null; seconds: number }
  | { kind: "done"; testAccuracy: number; seconds: number; file: string };

export interface TrainedClassifier {
  classifier: Classifier;
  file: string;
}

/** Trains the classifier from scratch and saves it; reports progress through `onProgress`. */
export function trainClassifier(
  opts: TrainClassifierOptions = {},
  onProgress: (p: ClassifierProgress) => void = () => {},
): TrainedClassifier {
  const recipe: ClassifierRecipe = { ...DEFAULT_RECIPE, ...opts.recipe };
  const data = loadDataset(recipe.dataset ?? "mnist");
  if (recipe.shift > 0 && (recipe.arch.inChannels ?? 1) !== 1)
    throw new RangeError("classifier recipe: shift augmentation is for grey images (inChannels 1) only");
  const train = firstRows(joinSplits(recipe.trainSplits.map((s) => data.split(s))), recipe.nTrain);
  const evalN = opts.evalImages ?? Infinity;
  const heldOut = recipe.trainSplits.includes("valid") ? null : firstRows(data.split("valid"), evalN);
  const test = firstRows(data.split("test"), evalN);
  const g = new Generator(recipe.seed);
  const [gInit, gDrop, gShift] = g.split(3);
  const net = new MnistClassifier(recipe.arch, gInit, gDrop);
  const opt = new Adam(net.parameters(), { lr: recipe.lr });
  const perEpoch = Math.ceil(train.n / recipe.batchSize);
  const schedule = cosine(recipe.epochs * perEpoch);
  const t0 = performance.now();
  let step = 0;
  for (let epoch = 0; epoch < recipe.epochs; epoch++) {
    net.train();
    let sum = 0;
    for (const b of batches(train, { batchSize: recipe.batchSize, seed: recipe.seed, epoch })) {
      const x = recipe.shift > 0 ? shiftImages(b.x.data as Float32Array, recipe.shift, gShift!) : b.x;
      opt.lr = recipe.lr * schedule(step++);
      const loss = crossEntropy(net.logits(x), b.labels!).mean();
      opt.zeroGrad();
      loss.backward({ releaseActivations: true });
      opt.step();
      const l = loss.item();
      sum += l * b.indices.length;
      onProgress({ kind: "batch", epoch, batch: step - epoch * perEpoch, batches: perEpoch, loss: l });
    }
    const validAccuracy = heldOut ? accuracyOf(net, heldOut) : null;
    const seconds = (performance.now() - t0) / 1000;
    onProgress({ kind: "epoch", epoch, epochs: recipe.epochs, trainLoss: sum / train.n, validAccuracy, seconds });
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const testAccuracy = accuracyOf(net, test);
  const provenance = { testAccuracy, testImages: test.n, trainSeconds, threads: getNumThreads() };
  const classifier = new Classifier(net, recipe, provenance);
  const file = saveClassifier(resolveCacheDir(opts.cacheDir), classifier);
  onProgress({ kind: "done", testAccuracy, seconds: trainSeconds, file });
  return { classifier, file };
}

/** Several labelled splits as one (for training on train + valid). */
function joinSplits(splits: Split[]): Split {
  if (splits.length === 1) return splits[0]!;
  const n = splits.reduce((a, s) => a + s.n, 0);
  const dim = splits[0]!.dim;
  const values = new Float32Array(n * dim),
    labels = new Int32Array(n);
  let at = 0;
  for (const s of splits) {
    values.set(s.values, at * dim);
    labels.set(s.labels!, at);
    at += s.n;
  }
  return { ...splits[0]!, n, values, labels };
}

function firstRows(s: Split, n: number | null): Split {
  if (n === null || !(n < s.n)) return s;
  return { ...s, n, values: s.values.subarray(0, n * s.dim), labels: s.labels!.subarray(0, n) };
}

/** Each image moved by a random whole-pixel offset in [−max, max]² with zero fill (translation augmentation). */
export function shiftImages(x: Float32Array, max: number, g: Generator) {
  const n = x.length / 784;
  const offsets = g.integers(2 * n, 2 * max + 1);
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    const dy = offsets[2 * i]! - max,
      dx = offsets[2 * i + 1]! - max;
    for (let r = Math.max(0, dy); r < Math.min(28, 28 + dy); r++) {
      const src = i * 784 + (r - dy) * 28;
      for (let c = Math.max(0, dx); c < Math.min(28, 28 + dx); c++) out[i * 784 + r * 28 + c] = x[src + c - dx]!;
    }
  }
  return tensor(out, [n, 784]);
}

/** The cached classifier for the recipe, trained first (minutes) when the cache has none. */
export function ensureClassifier(
  opts: TrainClassifierOptions = {},
  onProgress: (p: ClassifierProgress) => void = () => {},
): Classifier {
  const recipe: ClassifierRecipe = { ...DEFAULT_RECIPE, ...opts.recipe };
  if (hasClassifier(opts.cacheDir, recipe)) return loadClassifier(opts.cacheDir, recipe);
  return trainClassifier(opts, onProgress).classifier;
}
