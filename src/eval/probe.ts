/**
 * Representation learning, evaluated: latent means of a split, and a linear probe — multinomial logistic regression
 * on standardised train embeddings, reporting test accuracy.
 */
import { noGrad } from "../autograd/tape.js";
import { batches } from "../data/loader.js";
import type { Split } from "../data/datasets.js";
import type { LatentModel } from "../models/base.js";
import { Linear } from "../nn/linear.js";
import { crossEntropy } from "../ops/loss.js";
import { Adam } from "../optim/adam.js";
import { tensor } from "../tensor/create.js";
import { Generator } from "../tensor/rng.js";

/** Latent means of every image of a split, [n, L]. */
export function embedSplit(model: LatentModel, split: Split): { values: Float32Array; dim: number } {
  const chunks: number[][] = [];
  let dim = 0;
  noGrad(() => {
    for (const b of batches(split, { batchSize: 1000 })) {
      const z = model.embed(b.x);
      dim = z.shape[1]!;
      chunks.push(z.toArray());
    }
  });
  return { values: Float32Array.from(chunks.flat()), dim };
}

/** Multinomial logistic regression on embeddings; returns test accuracy. */
export function linearProbe(
  train: { values: Float32Array; dim: number; labels: Int32Array },
  test: { values: Float32Array; labels: Int32Array },
  seed: number,
  epochs = 30,
): { trainAccuracy: number; testAccuracy: number } {
  const d = train.dim,
    classes = 10,
    g = new Generator(seed);
  // standardise features with the training statistics
  const n = train.labels.length,
    mean = new Float64Array(d),
    sd = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) mean[k]! += train.values[r * d + k]! / n;
  for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) sd[k]! += (train.values[r * d + k]! - mean[k]!) ** 2 / n;
  const norm = (v: Float32Array) => v.map((x, i) => (x - mean[i % d]!) / Math.sqrt(sd[i % d]! + 1e-8));
  const xtr = norm(train.values),
    xte = norm(test.values);
  const clf = new Linear(d, classes, { generator: g });
  const opt = new Adam(clf.parameters(), { lr: 1e-2 });
  for (let e = 0; e < epochs; e++) {
    const order = Generator.derive(seed, e).permutation(n);
    for (let s = 0; s < n; s += 500) {
      const idx = order.subarray(s, Math.min(n, s + 500));
      const xb = new Float32Array(idx.length * d);
      idx.forEach((r, i) => xb.set(xtr.subarray(r * d, (r + 1) * d), i * d));
      const loss = crossEntropy(
        clf.forward(tensor(xb, [idx.length, d])),
        Int32Array.from(idx, (r) => train.labels[r]!),
      );
      opt.zeroGrad();
      loss.backward({ releaseActivations: true });
      opt.step();
    }
  }
  const acc = (x: Float32Array, y: Int32Array) =>
    noGrad(() => {
      const logits = clf.forward(tensor(x, [y.length, d])).toArray();
      let ok = 0;
      for (let r = 0; r < y.length; r++) {
        let best = 0;
        for (let c = 1; c < classes; c++) if (logits[r * classes + c]! > logits[r * classes + best]!) best = c;
        if (best === y[r]) ok++;
      }
      return ok / y.length;
    });
  return { trainAccuracy: acc(xtr, train.labels), testAccuracy: acc(xte, test.labels) };
}
