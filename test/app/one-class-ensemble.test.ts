/**
 * One-class ensembles: over seeds (one run per seed and class, each in its own directory and trained with its own
 * seed, the class's score the mean of the runs' scores) and over models (each model's score standardized on the
 * class's own training images, then averaged) — checked against the runs' likelihoods computed here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { app, Generator } from "../../src/index.js";
import { oneClassSeeds, STANDARDIZE_IMAGES } from "../../src/app/anomaly.js";
import { classTrainingImages, combineScores } from "../../src/app/anomaly-scores.js";
import { loadDataset } from "../../src/data/datasets.js";
import { detectionMetrics } from "../../src/eval/anomaly.js";
import { evaluateNll } from "../../src/eval/likelihood.js";
import { isScorer } from "../../src/models/index.js";
import { seedsOf } from "../../src/cli/anomaly.js";
import { tempDir } from "../tmp.js";

test("oneClassSeeds and the CLI's --seeds/--ensemble: the seeds of each class's runs", () => {
  assert.deepEqual(oneClassSeeds({}), [0]);
  assert.deepEqual(oneClassSeeds({ seed: 4 }), [4]);
  assert.deepEqual(oneClassSeeds({ seed: 4, seeds: [2, 7] }), [2, 7], "seeds win over seed");
  assert.throws(() => oneClassSeeds({ seeds: [] }), /non-negative integers/);
  assert.throws(() => oneClassSeeds({ seeds: [1, 1] }), /repeats a seed/);
  assert.deepEqual(seedsOf({ ensemble: 3 }), [0, 1, 2]);
  assert.deepEqual(seedsOf({ ensemble: 2, seed: 5 }), [5, 6]);
  assert.deepEqual(seedsOf({ seeds: [3, 1] }), [3, 1]);
  assert.equal(seedsOf({ seed: 5 }), undefined, "a single --seed stays the app's `seed`");
  assert.throws(() => seedsOf({ seeds: [1], ensemble: 2 }), /not both/);
});

test("one-class with two seeds: two runs per class, the score the mean of their −log p (1e-12)", async () => {
  const runs = tempDir("deepgen-oneclass-seeds-");
  const config = JSON.stringify({ options: { hidden: [16] }, training: { epochs: 1, batchSize: 100, lr: 0.01 } });
  const r = await app.oneClass({ model: "made", classes: [7], config, runs, split: "valid", seeds: [0, 3] });
  assert.deepEqual(r.seeds, [0, 3]);
  const dirs = [path.join(runs, "one-class-made-7"), path.join(runs, "one-class-made-7-seed3")];
  const seedOf = (d: string) => JSON.parse(readFileSync(path.join(d, "config.json"), "utf8")).seed;
  assert.deepEqual(dirs.map(seedOf), [0, 3], "each run trained with its own seed");
  const valid = loadDataset("mnist-fixed").split("valid");
  const nll = dirs.map((d) => {
    const m = app.openRun(d).model;
    assert.ok(isScorer(m));
    return evaluateNll(m, valid, { keepPerImage: true }).perImage!;
  });
  assert.notDeepEqual(nll[0], nll[1], "the seeds give different models");
  const anomalous = Uint8Array.from(valid.labels!, (y) => (y === 7 ? 0 : 1));
  const mean = nll[0]!.map((v, i) => (v + nll[1]![i]!) / 2);
  const want = detectionMetrics(mean, anomalous).auroc;
  assert.ok(Math.abs(r.rows[0]!.auroc - want) < 1e-12, `${r.rows[0]!.auroc} vs ${want} (1e-12)`);
  const single = [0, 1].map((k) => detectionMetrics(nll[k]!, anomalous).auroc);
  assert.ok(
    single.every((a) => a !== want),
    "the mean is neither run's score alone",
  );
  // one seed ≠ 0 reads (here: trains nothing new) the run of that seed
  const three = await app.oneClass({ model: "made", classes: [7], config, runs, split: "valid", seed: 3 });
  assert.equal(three.rows[0]!.run_dir, dirs[1]);
  assert.ok(Math.abs(three.rows[0]!.auroc - single[1]!) < 1e-12);
});

test("combineScores: each model standardized on its fit scores, then averaged (1e-12); one model as it is", () => {
  const g = new Generator(5);
  const part = (n: number, scale: number) => Float64Array.from(g.uniform01(n), (u) => scale * u + scale);
  const a = { scores: part(20, 100), fit: part(7, 100) },
    b = { scores: part(20, 3), fit: part(7, 3) };
  const stats = (f: Float64Array) => {
    const m = f.reduce((s, v) => s + v, 0) / f.length;
    return [m, Math.sqrt(f.reduce((s, v) => s + (v - m) ** 2, 0) / (f.length - 1))] as const;
  };
  const [ma, sa] = stats(a.fit),
    [mb, sb] = stats(b.fit);
  const got = combineScores([a, b]);
  for (let i = 0; i < 20; i++) {
    const want = ((a.scores[i]! - ma) / sa + (b.scores[i]! - mb) / sb) / 2;
    assert.ok(Math.abs(got[i]! - want) < 1e-12, `image ${i}: ${got[i]} vs ${want}`);
  }
  assert.equal(combineScores([a]), a.scores);
  assert.throws(() => combineScores([a, { scores: b.scores, fit: null }]), /at least two standardization scores/);
  assert.throws(() => combineScores([a, { scores: b.scores, fit: new Float64Array(3) }]), /all equal/);
});

test("classTrainingImages: the first training images of the class, stored or drawn from their 8-bit originals", () => {
  const train = loadDataset("mnist-fixed").split("train");
  const rows: number[] = [];
  for (let i = 0; i < train.n && rows.length < 30; i++) if (train.labels![i] === 4) rows.push(i);
  const stored = classTrainingImages("mnist-fixed", 4, 0, { limit: 30 });
  assert.equal(stored.count, 1);
  assert.deepEqual(
    [...stored.labels],
    rows.map(() => 4),
  );
  const s = stored.draw(0);
  rows.forEach((r, j) =>
    assert.deepEqual(s.values.subarray(j * 784, (j + 1) * 784), train.values.subarray(r * 784, (r + 1) * 784)),
  );
  const drawn = classTrainingImages("mnist-fixed", 4, 2, { limit: 30 });
  assert.equal(drawn.count, 2);
  const grey = loadDataset("mnist").split("train");
  const d1 = drawn.draw(1).values;
  rows.forEach((r, j) => {
    for (let p = 0; p < 784; p++) {
      const v = grey.values[r * 784 + p]!;
      if (v === 0 || v === 1) assert.equal(d1[j * 784 + p], v, `image ${r} pixel ${p}: certain levels are kept`);
    }
  });
  assert.notDeepEqual(drawn.draw(0).values, d1);
  assert.match(drawn.description, /mean over 2 binarizations of the 8-bit 30 train images of digit 4 of mnist/);
});

test("one-class with two models: the mean of their scores standardized on the class's training images", async () => {
  const runs = tempDir("deepgen-oneclass-combine-");
  const r = await app.oneClass({ model: "made,fvsbn", classes: [0], epochs: 1, runs, split: "valid" });
  assert.equal(r.recipe, "one-class,default");
  const valid = loadDataset("mnist-fixed").split("valid");
  const train = classTrainingImages("mnist-fixed", 0, 0, { limit: STANDARDIZE_IMAGES }).draw(0);
  assert.equal(train.n, 1000);
  const parts = ["made", "fvsbn"].map((m) => {
    const model = app.openRun(path.join(runs, `one-class-${m}-0`)).model;
    assert.ok(isScorer(model));
    const nll = (s: typeof valid) => evaluateNll(model, s, { keepPerImage: true }).perImage!;
    return { scores: nll(valid), fit: nll(train) };
  });
  const anomalous = Uint8Array.from(valid.labels!, (y) => (y === 0 ? 0 : 1));
  const want = detectionMetrics(combineScores(parts), anomalous).auroc;
  assert.ok(Math.abs(r.rows[0]!.auroc - want) < 1e-12, `${r.rows[0]!.auroc} vs ${want} (1e-12)`);
  const alone = parts.map((p) => detectionMetrics(p.scores, anomalous).auroc);
  assert.ok(
    alone.every((a) => Math.abs(a - want) > 1e-6),
    `combined ${want} vs ${alone.join(", ")}`,
  );
  assert.throws(() => app.oneClassPlan({ model: "made,made", runs }), /distinct models/);
});
