/** k-NN accuracy against a brute-force vote, and the few-label subset. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import { firstPerClass, knnAccuracy } from "../../src/eval/knn.js";

test("k-NN accuracy equals a brute-force majority vote (ties to the nearest), on random points", () => {
  const g = new Generator(8);
  const dim = 6,
    nTrain = 300,
    nTest = 120,
    k = 5;
  const train = {
    values: Float32Array.from(g.normal01(nTrain * dim)),
    dim,
    labels: Int32Array.from(g.integers(nTrain, 4)),
  };
  const test = {
    values: Float32Array.from(g.normal01(nTest * dim)),
    dim,
    labels: Int32Array.from(g.integers(nTest, 4)),
  };
  // make the labels learnable: test points copy the label of their nearest training point half of the time
  let correct = 0;
  for (let r = 0; r < nTest; r++) {
    const d = Array.from({ length: nTrain }, (_, j) => {
      let s = 0;
      for (let c = 0; c < dim; c++) s += (test.values[r * dim + c]! - train.values[j * dim + c]!) ** 2;
      return [s, j] as const;
    }).sort((a, b) => a[0] - b[0]);
    if (r % 2 === 0) test.labels[r] = train.labels[d[0]![1]]!;
    const votes = new Array<number>(10).fill(0);
    for (const [, j] of d.slice(0, k)) votes[train.labels[j]!]!++;
    let pick = train.labels[d[0]![1]]!;
    for (let c = 0; c < 10; c++) if (votes[c]! > votes[pick]!) pick = c;
    if (pick === test.labels[r]) correct++;
  }
  const acc = knnAccuracy(train, test, k);
  assert.equal(acc, correct / nTest); // exact: the same votes over float32 distances (no ties among random points)
  assert.ok(acc > 0.3, `learnable half: ${acc}`);
});

test("firstPerClass keeps the first m examples of each class, in order", () => {
  const labels = Int32Array.from([3, 1, 3, 3, 0, 1, 1, 3]);
  const values = Float32Array.from(labels.keys(), (i) => i);
  const few = firstPerClass({ values, dim: 1, labels }, 2);
  assert.deepEqual([...few.labels], [3, 1, 3, 0, 1]);
  assert.deepEqual([...few.values], [0, 1, 2, 4, 5]);
});
