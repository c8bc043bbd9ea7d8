/**
 * PixelCNN's one-class recipe: `anomaly one-class --model pixelcnn` plans each digit's run from it (labelled, fixed
 * binarization), and the network it builds is the small one of its doc comment (7 rows of context), far cheaper than
 * the default width, with an exact finite −log p on random binary images.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { app, Generator } from "../../src/index.js";
import { resolveRun } from "../../src/app/run-spec.js";
import { datasetInfo } from "../../src/data/datasets.js";
import type { Split } from "../../src/data/split.js";
import { evaluateNll } from "../../src/eval/likelihood.js";
import type { DataShape } from "../../src/models/base.js";
import { createModel, getModelSpec, isScorer } from "../../src/models/index.js";
import type { PixelCNN } from "../../src/models/pixel/pixelcnn.js";
import { tempDir } from "../tmp.js";

const shape: DataShape = { dim: 784, shape: [1, 28, 28] };

test("one-class pixelcnn: each digit's run starts from the one-class recipe on that digit's labelled images", () => {
  assert.equal(app.oneClassRecipe("pixelcnn"), "one-class");
  const data = app.oneClassData("pixelcnn");
  assert.equal(datasetInfo(data).binarization, "fixed", `${data}: the stored draw is scored with --binarizations 0`);
  const g = new Generator(23);
  const runs = tempDir("deepgen-oneclass-pixel-");
  for (const digit of Array.from(g.integers(3, 10))) {
    const [spec, ...rest] = app.oneClassPlan({ model: "pixelcnn", classes: [digit], runs });
    assert.equal(rest.length, 0, "one run per class");
    assert.equal(spec!.recipe, "one-class");
    assert.equal(spec!.out, path.join(runs, `one-class-pixelcnn-${digit}`));
    const r = resolveRun(spec!);
    assert.equal(r.config.dataset, `${data}[digits=${digit}]`);
    assert.deepEqual([r.config.options.features, r.config.options.blocks], [16, 4]);
  }
});

test("one-class pixelcnn: 7 rows of context, < 1/10 of the default's parameters, finite exact −log p", () => {
  const spec = getModelSpec("pixelcnn");
  const small = createModel(spec, spec.recipes!["one-class"]!.options, shape, new Generator(1)) as PixelCNN;
  const wide = createModel(spec, {}, shape, new Generator(1)) as PixelCNN;
  assert.equal(small.receptiveRows(), 7);
  assert.equal(small.parameterCount(), 4545, "the count its doc comment and README give");
  assert.ok(small.parameterCount() * 10 < wide.parameterCount(), `${small.parameterCount()} vs default`);
  assert.ok(isScorer(small));
  // random binary images: an untrained Bernoulli output gives each of the 784 values about log 2 nats (±50%)
  const g = new Generator(7),
    n = 6;
  const values = Float32Array.from(g.uniform01(n * 784), (u) => (u < 0.2 ? 1 : 0));
  const split: Split = { name: "valid", n, ...shape, values, labels: null };
  const r = evaluateNll(small, split, { batchSize: n, seed: 0, keepPerImage: true });
  assert.equal(r.estimator, "exact");
  for (const v of r.perImage!) assert.ok(v > 0.5 * 784 * Math.LN2 && v < 1.5 * 784 * Math.LN2, `${v} nats`);
});
