/** A trained MNIST classifier as the metrics see it: features, class probabilities, accuracy, and its provenance. */
import type { Split } from "../../data/datasets.js";
import { tensor } from "../../tensor/create.js";
import { fmt } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { mapBatches, MnistClassifier } from "./network.js";
import { recipeHash, type ClassifierRecipe } from "./recipe.js";

/** What the sample-quality metrics need from a classifier. */
export interface FeatureExtractor {
  /** a name for reports, e.g. "mnist-cnn-1a2b…" */
  readonly id: string;
  /** penultimate-layer features [N, F] of images [N, 784] in [0, 1] */
  features(x: Tensor): Tensor;
  /** class probabilities [N, 10] */
  probs(x: Tensor): Tensor;
}

export interface ClassifierProvenance {
  /** test accuracy on 8-bit MNIST measured right after training */
  testAccuracy: number;
  /** how many test images that accuracy was measured on */
  testImages: number;
  /** training wall-clock in seconds */
  trainSeconds: number;
  threads: number;
}

export class Classifier implements FeatureExtractor {
  readonly hash: string;

  constructor(
    readonly net: MnistClassifier,
    readonly recipe: ClassifierRecipe,
    readonly provenance: ClassifierProvenance,
  ) {
    this.hash = recipeHash(recipe);
    net.eval();
  }

  get id(): string {
    return `${this.recipe.dataset ?? "mnist"}-cnn-${this.hash}`;
  }

  get featureDim(): number {
    return this.recipe.arch.features;
  }

  features(x: Tensor): Tensor {
    const n = imagesIn(x, this.net.inChannels);
    const f = this.featureDim;
    return tensor(
      mapBatches(x.contiguous().data as Float32Array, n, f, (b) => this.net.hidden(b)),
      [n, f],
    );
  }

  probs(x: Tensor): Tensor {
    const n = imagesIn(x, this.net.inChannels);
    return tensor(
      mapBatches(x.contiguous().data as Float32Array, n, 10, (b) => this.net.logits(b).softmax(1)),
      [n, 10],
    );
  }

  /** Fraction of a labelled split classified correctly (argmax of the probabilities). */
  accuracy(split: Split): number {
    return accuracyOf(this.net, split);
  }
}

/** Argmax accuracy of a network on a labelled split, in eval mode (restores the network's mode). */
export function accuracyOf(net: MnistClassifier, split: Split): number {
  if (!split.labels) throw new TypeError(`accuracy: split "${split.name}" has no labels`);
  const wasTraining = net.training;
  net.eval();
  const logits = mapBatches(split.values, split.n, 10, (b) => net.logits(b));
  net.train(wasTraining);
  let correct = 0;
  for (let i = 0; i < split.n; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (logits[i * 10 + c]! > logits[i * 10 + best]!) best = c;
    if (best === split.labels[i]) correct++;
  }
  return correct / split.n;
}

function imagesIn(x: Tensor, channels: number): number {
  const n = x.shape[0] ?? 0;
  const dim = 784 * channels;
  if (x.dtype !== "float32" || x.size !== n * dim)
    throw new TypeError(`classifier: images ${fmt(x.shape)} (${x.dtype}) must be float32 with ${dim} values per image`);
  return n;
}
