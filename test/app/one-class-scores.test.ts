/**
 * One-class anomaly scores: the fresh binarizations of 8-bit images, each score per draw against hand computations,
 * the mean over draws against per-draw likelihoods of a random MADE, and the valid-split and likelihood-ratio runs
 * end to end on tiny models.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { app, Generator } from "../../src/index.js";
import { drawScores, oneClassScores, scoringImages, type ScoringImages } from "../../src/app/anomaly-scores.js";
import { binarizedDraw, greyName } from "../../src/data/binarize.js";
import { loadDataset, type Split } from "../../src/data/datasets.js";
import { detectionMetrics } from "../../src/eval/anomaly.js";
import { evaluateNll } from "../../src/eval/likelihood.js";
import { createModel, getModelSpec, isScorer } from "../../src/models/index.js";
import { tempDir } from "../tmp.js";

test("oneClassData: the one-class recipe's dataset, else mnist-fixed (a default recipe's data has no labels)", () => {
  assert.equal(app.oneClassData("made"), getModelSpec("made").recipes!["one-class"]!.dataset);
  assert.equal(app.oneClassData("fvsbn"), "mnist-fixed");
  assert.equal(getModelSpec("fvsbn").recipe.dataset, "binarized-mnist");
});

test("greyName: the 8-bit dataset behind a binarized one, null when there is none", () => {
  assert.equal(greyName("mnist-fixed"), "mnist");
  assert.equal(greyName("mnist-dynamic"), "mnist");
  assert.equal(greyName("fashion-mnist-fixed"), "fashion-mnist");
  assert.equal(greyName("mnist"), null, "already 8-bit");
  assert.equal(greyName("toy-fixed"), null, "no dataset named toy");
  assert.equal(greyName("binarized-mnist"), null, "the Larochelle–Murray files have no 8-bit originals here");
});

function randomSplit(n: number, dim: number, g: Generator, binary: boolean): Split {
  const u = g.uniform01(n * dim);
  const values = Float32Array.from(u, (v) => (binary ? (v < 0.3 ? 1 : 0) : v));
  return { name: "valid", n, dim, shape: [1, 1, dim], values, labels: Int32Array.from(g.integers(n, 10)) };
}

test("binarizedDraw: Bernoulli draws of the 8-bit values, the same for the same (seed, k)", () => {
  const grey = randomSplit(200, 50, new Generator(4), false);
  grey.values[0] = 0;
  grey.values[1] = 1;
  const a = binarizedDraw(grey, 7, 0),
    b = binarizedDraw(grey, 7, 0),
    c = binarizedDraw(grey, 7, 1);
  assert.ok(a.values.every((v) => v === 0 || v === 1));
  assert.deepEqual(a.values, b.values);
  assert.notDeepEqual(a.values, c.values);
  assert.deepEqual([a.values[0], a.values[1]], [0, 1], "levels 0 and 1 are certain");
  assert.notEqual(grey.values[2], a.values[2], "the input is not modified");
  // over 20 draws the mean of each 10,000 values matches the mean grey level: its standard error is ≤ 0.5/√200k
  let ones = 0;
  for (let k = 0; k < 20; k++) ones += binarizedDraw(grey, 7, k).values.reduce((s, v) => s + v, 0);
  const meanGrey = grey.values.reduce((s, v) => s + v, 0) / grey.values.length;
  assert.ok(Math.abs(ones / (20 * grey.values.length) - meanGrey) < 0.005, `${ones} ones vs mean ${meanGrey}`);
});

test("drawScores: −log p, −log₂ p − bits and −log p + log p_bg per image (1e-12)", () => {
  const g = new Generator(11);
  const nats = Float64Array.from(g.uniform01(30), (u) => 50 + 200 * u);
  const other = Float64Array.from(g.uniform01(30), (u) => 40 + 300 * u);
  const nll = drawScores("nll", nats, null),
    cx = drawScores("complexity", nats, other),
    lr = drawScores("likelihood-ratio", nats, other);
  for (let i = 0; i < 30; i++) {
    assert.equal(nll[i], nats[i]);
    assert.ok(Math.abs(cx[i]! - (nats[i]! / Math.log(2) - other[i]!)) < 1e-12, `complexity ${i}`);
    assert.ok(Math.abs(lr[i]! - (nats[i]! - other[i]!)) < 1e-12, `likelihood ratio ${i}`);
  }
  assert.throws(() => drawScores("complexity", nats, null), /missing PNG bits/);
  assert.throws(() => drawScores("likelihood-ratio", nats, other.subarray(1)), /30 scores and 29/);
});

/** A MADE with random weights on `dim` binary pixels: an exact density that differs from image to image. */
function randomMade(dim: number, seed: number) {
  const m = createModel(getModelSpec("made"), { hidden: [8] }, { dim, shape: [1, 1, dim] }, new Generator(seed));
  assert.ok(isScorer(m));
  return m;
}

test("oneClassScores: the mean over draws of each score, from the models' own log-likelihoods (1e-9)", () => {
  const g = new Generator(3),
    dim = 12,
    n = 40;
  const draws = [0, 1, 2].map(() => randomSplit(n, dim, g, true));
  const bits = draws.map(() => Float64Array.from(g.uniform01(n), (u) => 100 * u));
  const images: ScoringImages = {
    labels: draws[0]!.labels!,
    count: 3,
    draw: (k) => draws[k]!,
    bits: (k) => bits[k]!,
    description: "three random draws",
  };
  const model = randomMade(dim, 1),
    background = randomMade(dim, 2);
  const nll = (m: typeof model, s: Split) => evaluateNll(m, s, { keepPerImage: true }).perImage!;
  const want = { nll: new Float64Array(n), complexity: new Float64Array(n), lr: new Float64Array(n) };
  draws.forEach((s, k) => {
    const a = nll(model, s),
      b = nll(background, s);
    for (let i = 0; i < n; i++) {
      want.nll[i]! += a[i]! / 3;
      want.complexity[i]! += (a[i]! / Math.LN2 - bits[k]![i]!) / 3;
      want.lr[i]! += (a[i]! - b[i]!) / 3;
    }
  });
  const got = {
    nll: oneClassScores("nll", images, model, null, 0),
    complexity: oneClassScores("complexity", images, model, null, 0),
    lr: oneClassScores("likelihood-ratio", images, model, background, 0),
  };
  for (const k of ["nll", "complexity", "lr"] as const) {
    assert.equal(got[k].estimator, "exact");
    for (let i = 0; i < n; i++) assert.ok(Math.abs(got[k].scores[i]! - want[k][i]!) < 1e-9, `${k} image ${i}`);
  }
  assert.throws(() => oneClassScores("likelihood-ratio", images, model, null, 0), /needs a background/);
});

test("scoringImages: the stored split, or draws from the 8-bit originals of the same images", () => {
  const stored = scoringImages("mnist-fixed", "valid", 0);
  assert.equal(stored.count, 1);
  const drawn = scoringImages("mnist-fixed", "valid", 2);
  assert.equal(drawn.count, 2);
  assert.deepEqual(drawn.labels, stored.labels);
  const s = stored.draw(0).values,
    d0 = drawn.draw(0).values,
    d1 = drawn.draw(1).values;
  assert.notDeepEqual(d0, d1);
  assert.notDeepEqual(d0, s);
  // the draws are of the same images: black 8-bit pixels stay 0, white ones 1, in the draws and the stored split
  const grey = loadDataset("mnist").split("valid").values;
  let certain = 0;
  for (let i = 0; i < grey.length; i++)
    if (grey[i] === 0 || grey[i] === 1) {
      certain++;
      assert.ok(d0[i] === grey[i] && d1[i] === grey[i] && s[i] === grey[i], `pixel ${i}`);
    }
  assert.ok(certain > grey.length / 2, `${certain} certain pixels`);
  assert.throws(() => scoringImages("mnist", "valid", 2), /not a binarization of an 8-bit dataset/);
  assert.throws(() => scoringImages("mnist-fixed", "valid", 1.5), /non-negative integer/);
});

test("one-class on the valid split, averaged over draws; the likelihood ratio against a noisy background", async () => {
  const runs = tempDir("deepgen-oneclass-lr-");
  const config = JSON.stringify({ options: { hidden: [16] }, training: { epochs: 1, batchSize: 100, lr: 0.01 } });
  const o = { model: "made", classes: [1], config, runs, split: "valid" as const, binarizations: 2 };
  const lr = await app.oneClass({ ...o, score: "likelihood-ratio", noise: 0.2 });
  const row = lr.rows[0]!;
  assert.equal(row.n_normal + row.n_anomalies, 10000, "the whole valid split, all ten digits");
  assert.equal(lr.split, "valid");
  assert.match(lr.images, /mean over 2 binarizations/);
  const bgDir = path.join(runs, "one-class-made-1-noise0.2");
  assert.equal(
    JSON.parse(readFileSync(path.join(bgDir, "config.json"), "utf8")).dataset,
    "mnist-fixed[digits=1][noise=0.2]",
  );
  // the same AUROC from the two runs' likelihoods on the two draws, computed here
  const images = scoringImages("mnist-fixed", "valid", 2);
  const open = (dir: string) => {
    const m = app.openRun(dir).model;
    assert.ok(isScorer(m));
    return m;
  };
  const model = open(row.run_dir),
    bg = open(bgDir);
  const score = new Float64Array(10000);
  for (let k = 0; k < 2; k++) {
    const a = evaluateNll(model, images.draw(k), { keepPerImage: true }).perImage!;
    const b = evaluateNll(bg, images.draw(k), { keepPerImage: true }).perImage!;
    a.forEach((v, i) => (score[i]! += (v - b[i]!) / 2));
  }
  const want = detectionMetrics(
    score,
    Uint8Array.from(images.labels, (y) => (y === 1 ? 0 : 1)),
  ).auroc;
  assert.ok(Math.abs(row.auroc - want) < 1e-12, `${row.auroc} vs ${want} (1e-12)`);
  // the plain score reads the same run (no retraining), and differs from the ratio
  const plain = await app.oneClass({ ...o, score: "nll" });
  assert.notEqual(plain.rows[0]!.auroc, row.auroc);
  assert.ok(plain.rows[0]!.auroc > 0.8, `a 1-epoch model of the 1s: AUROC ${plain.rows[0]!.auroc}`);
  assert.ok(existsSync(path.join(runs, "one-class-made-1", "best.safetensors")));
});
