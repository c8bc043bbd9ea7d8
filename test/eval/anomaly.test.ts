/** Anomaly metrics against hand computations (ties included), and one-class detection end to end on tiny runs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { auprc, auroc, detectionMetrics, fprAtTpr } from "../../src/eval/anomaly.js";
import { app, Generator } from "../../src/index.js";
import { loadDataset } from "../../src/data/datasets.js";
import { complexityOfImages } from "../../src/eval/ood.js";
import { tempDir } from "../tmp.js";

/** AUROC by brute force over every (anomaly, normal) pair: 1 if the anomaly scores higher, ½ if tied. */
function pairs(s: number[], y: number[]): number {
  let sum = 0,
    n = 0;
  for (let i = 0; i < s.length; i++)
    for (let j = 0; j < s.length; j++)
      if (y[i] === 1 && y[j] === 0) {
        sum += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
        n++;
      }
  return sum / n;
}

test("AUROC, average precision and FPR@95%TPR match hand computations, ties counted as one half", () => {
  // scores 4 3 3 2 1, labels 1 0 1 0 0: pairs (4>all normals: 3), (3 vs 3 tie: ½, 3>2, 3>1) → (3 + 2.5)/6
  const s = [4, 3, 3, 2, 1],
    y = [1, 0, 1, 0, 0];
  assert.ok(Math.abs(auroc(s, y) - 5.5 / 6) < 1e-12);
  // thresholds: ≥4 → tp 1 fp 0 (P 1, R ½); ≥3 → tp 2 fp 1 (P ⅔, R 1): AP = ½·1 + ½·⅔
  assert.ok(Math.abs(auprc(s, y) - (0.5 + 1 / 3)) < 1e-12);
  // TPR reaches 95% only at threshold 3, where 1 of 3 normals is above it
  assert.ok(Math.abs(fprAtTpr(s, y) - 1 / 3) < 1e-12);
  const g = new Generator(5);
  for (let trial = 0; trial < 20; trial++) {
    const n = 30;
    const rs = Array.from(g.integers(n, 6)); // many ties
    const ry = Array.from(g.integers(n, 2));
    ry[0] = 0;
    ry[1] = 1;
    assert.ok(Math.abs(auroc(rs, ry) - pairs(rs, ry)) < 1e-12, `trial ${trial}`);
  }
  const perfect = detectionMetrics([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]);
  assert.deepEqual([perfect.auroc, perfect.auprc, perfect.fpr_at_95_tpr], [1, 1, 0]);
  assert.throws(() => auroc([1, 2], [1, 1]), /need both anomalies and normal examples/);
  assert.throws(() => auroc([1, NaN], [1, 0]), /score 1 is NaN/);
});

test("one-class detection: a model trained on one digit scores the other digits as anomalous", async () => {
  const runs = tempDir("deepgen-oneclass-");
  const config = JSON.stringify({ options: { hidden: [16] }, training: { epochs: 2, batchSize: 100, lr: 0.01 } });
  const streamed: app.OneClassRow[] = [];
  const r = await app.oneClass({ model: "made", classes: [0, 1], config, runs, onRow: (row) => streamed.push(row) });
  assert.equal(r.rows.length, 2);
  assert.deepEqual(streamed, r.rows, "each digit's row is reported as it is scored");
  // the runs start from MADE's one-class recipe (direct connections), the config's options on top
  assert.equal(r.recipe, "one-class");
  const options = JSON.parse(readFileSync(path.join(r.rows[0]!.run_dir, "config.json"), "utf8")).options;
  assert.deepEqual([options.directConnections, options.hidden], [true, [16]]);
  assert.equal(app.oneClassRecipe("fvsbn"), "default", "a model without a one-class recipe uses its default");
  for (const row of r.rows) {
    assert.equal(row.n_normal + row.n_anomalies, 10000);
    // even a tiny model trained for two epochs separates one digit from the rest far better than chance
    assert.ok(row.auroc > 0.8, `digit ${row.digit}: AUROC ${row.auroc}`);
  }
  assert.ok(Math.abs(r.mean_auroc - (r.rows[0]!.auroc + r.rows[1]!.auroc) / 2) < 1e-12);
  // the input-complexity score reads the same runs: its AUROC is that of −log₂ p(x) − PNG bits computed here
  const c = await app.oneClass({ model: "made", classes: [0], config, runs, score: "complexity" });
  assert.equal(c.score, "-log2 p(x) - PNG bits");
  const e = app.evaluate(r.rows[0]!.run_dir, { scores: true });
  const test = loadDataset("mnist-fixed").split("test");
  const bits = complexityOfImages(test.values, test.n, test.shape);
  const want = detectionMetrics(
    Float64Array.from(e.scores!, (v, i) => v / Math.LN2 - bits[i]!),
    Uint8Array.from(e.labels!, (y) => (y === 0 ? 0 : 1)),
  );
  assert.ok(Math.abs(c.rows[0]!.auroc - want.auroc) < 1e-12, `${c.rows[0]!.auroc} vs ${want.auroc} (1e-12)`);
  assert.notEqual(c.rows[0]!.auroc, r.rows[0]!.auroc, "a different score from −log p(x)");
  assert.deepEqual(app.parseClasses("0-2,5"), [0, 1, 2, 5]);
  assert.throws(() => app.parseClasses("3-1"), /empty range/);
});
