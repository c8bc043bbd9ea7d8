/**
 * The MNIST digit classifier that sample-quality metrics read features and label probabilities from: two 5×5
 * convolutions with max pooling, then two fully connected layers (the LeNet shape, widened). Its penultimate layer is
 * the feature space for FID and precision/recall; its softmax gives the classifier score and label histogram.
 */
import { noGrad } from "../../autograd/tape.js";
import { maxPool2d } from "../../ops/linalg.js";
import { Conv2d } from "../../nn/conv.js";
import { Dropout } from "../../nn/layers.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import { fmt } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";

export interface ClassifierArch {
  /** channels of the two convolutions */
  channels: [number, number];
  /** width of the penultimate (feature) layer */
  features: number;
  /** dropout before the last layer, during training only */
  dropout: number;
  /** image channels (absent: 1, grey digits; 3 for the colour domain of src/data/translation.ts) */
  inChannels?: number;
}

export const DEFAULT_ARCH: ClassifierArch = { channels: [16, 32], features: 128, dropout: 0.25 };

export class MnistClassifier extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly drop: Dropout;

  constructor(
    readonly arch: ClassifierArch,
    generator?: Generator,
    dropoutGenerator?: Generator,
  ) {
    super();
    const [c1, c2] = arch.channels;
    this.conv1 = this.registerModule("conv1", new Conv2d(arch.inChannels ?? 1, c1, 5, { padding: 2, generator }));
    this.conv2 = this.registerModule("conv2", new Conv2d(c1, c2, 5, { padding: 2, generator }));
    this.fc1 = this.registerModule("fc1", new Linear(c2 * 7 * 7, arch.features, { generator }));
    this.fc2 = this.registerModule("fc2", new Linear(arch.features, 10, { generator }));
    this.drop = this.registerModule("drop", new Dropout(arch.dropout, dropoutGenerator));
  }

  get inChannels(): number {
    return this.arch.inChannels ?? 1;
  }

  /** Penultimate activations [N, F] of images x [N, C·784] (or [N, C, 28, 28]) with values in [0, 1]. */
  hidden(x: Tensor): Tensor {
    const n = x.shape[0]!,
      c = this.inChannels;
    if (x.size !== n * c * 784)
      throw new TypeError(`MnistClassifier: input ${fmt(x.shape)} must hold ${c * 784} values per image`);
    let h = x.reshape(n, c, 28, 28);
    h = maxPool2d(this.conv1.forward(h).relu(), 2);
    h = maxPool2d(this.conv2.forward(h).relu(), 2);
    return this.fc1.forward(h.reshape(n, -1)).relu();
  }

  /** Class logits [N, 10]. */
  logits(x: Tensor): Tensor {
    return this.fc2.forward(this.drop.forward(this.hidden(x)));
  }
}

/**
 * Applies `fn` to x [N, dim] (dim = x.length / N) in batches without recording gradients, concatenating the rows of
 * the results.
 */
export function mapBatches(x: Float32Array, n: number, width: number, fn: (b: Tensor) => Tensor, batch = 500) {
  const out = new Float32Array(n * width);
  const dim = n > 0 ? x.length / n : 784;
  noGrad(() => {
    for (let s = 0; s < n; s += batch) {
      const m = Math.min(batch, n - s);
      const y = fn(tensor(x.subarray(s * dim, (s + m) * dim), [m, dim]));
      out.set(y.contiguous().data as Float32Array, s * width);
    }
  });
  return out;
}
