/**
 * Two more readings of a representation: k-nearest-neighbour accuracy (majority vote of the k closest training
 * embeddings, Euclidean, ties to the nearest neighbour's label) and a linear probe trained on only m labels per class.
 */
import { forEachDistanceBlock } from "./distances.js";
import { linearProbe } from "./probe.js";

export interface Embedded {
  values: Float32Array;
  dim: number;
  labels: Int32Array;
}

export function knnAccuracy(train: Embedded, test: Embedded, k = 5, classes = 10): number {
  const nTrain = train.labels.length,
    nTest = test.labels.length;
  let correct = 0;
  const a = { rows: nTest, cols: test.dim, data: test.values },
    b = { rows: nTrain, cols: train.dim, data: train.values };
  forEachDistanceBlock(a, b, (start, rows, dist) => {
    const idx = new Int32Array(k),
      best = new Float64Array(k),
      votes = new Int32Array(classes);
    for (let r = 0; r < rows; r++) {
      best.fill(Infinity);
      idx.fill(-1);
      for (let j = 0; j < nTrain; j++) {
        const d = dist[r * nTrain + j]!;
        if (d >= best[k - 1]!) continue;
        let p = k - 1; // insertion into the sorted k best
        while (p > 0 && best[p - 1]! > d) {
          best[p] = best[p - 1]!;
          idx[p] = idx[p - 1]!;
          p--;
        }
        best[p] = d;
        idx[p] = j;
      }
      votes.fill(0);
      for (const j of idx) if (j >= 0) votes[train.labels[j]!]!++;
      let pick = train.labels[idx[0]!]!; // ties go to the nearest neighbour's class
      for (let c = 0; c < classes; c++) if (votes[c]! > votes[pick]!) pick = c;
      if (pick === test.labels[start + r]) correct++;
    }
  });
  return correct / nTest;
}

/** The first m training examples of each class (in split order). */
export function firstPerClass(train: Embedded, m: number, classes = 10): Embedded {
  const taken = new Int32Array(classes),
    rows: number[] = [];
  train.labels.forEach((y, i) => {
    if (taken[y]! < m) {
      taken[y]!++;
      rows.push(i);
    }
  });
  const values = new Float32Array(rows.length * train.dim);
  rows.forEach((r, i) => values.set(train.values.subarray(r * train.dim, (r + 1) * train.dim), i * train.dim));
  return { values, dim: train.dim, labels: Int32Array.from(rows, (r) => train.labels[r]!) };
}

/** Linear-probe test accuracy with m labels per class. */
export function fewLabelAccuracy(train: Embedded, test: Embedded, m: number, seed: number, epochs = 100): number {
  const few = firstPerClass(train, m);
  return linearProbe(few, { values: test.values, labels: test.labels }, seed, epochs).testAccuracy;
}
