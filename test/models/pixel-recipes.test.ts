/**
 * Named recipes beyond default/full/short: the pixel models' `eightbit` recipe trains on 8-bit MNIST with a 256-level
 * output, parses like every recipe, and runs through fit; recipe names are checked when a model registers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { app, data, Generator, models } from "../../src/index.js";
import type { PixelModel } from "../../src/models/pixel/pixel-model.js";
import { tempDir } from "../tmp.js";

const pixelModels = ["pixelcnn", "gated-pixelcnn", "row-lstm", "diagonal-bilstm"];

test("every pixel model has an eightbit recipe: 8-bit MNIST, a 256-level output, valid settings", () => {
  for (const name of pixelModels) {
    const spec = models.getModelSpec(name);
    const r = models.getRecipe(spec, "eightbit");
    models.parseRecipe(`${name} eightbit`, r);
    assert.equal(r.dataset, "mnist");
    assert.equal(data.datasetInfo(r.dataset!).binarization, "none", "values on 256 levels, not binarized");
    const m = models.createModel(spec, r.options, { dim: 784, shape: [1, 28, 28] }, new Generator(0)) as PixelModel;
    assert.equal(m.output.levels, 256);
    assert.ok(m.output.kind === "softmax" || m.output.kind === "logistic", `${name}: ${m.output.kind}`);
  }
  assert.throws(() => models.getRecipe(models.getModelSpec("pixelcnn"), "sixbit"), /has no "sixbit" recipe; it has: /);
});

test("recipe names are kebab-case and never 'default'", () => {
  const base = models.getModelSpec("pixelcnn");
  for (const bad of ["default", "Eight Bit"])
    assert.throws(
      () => models.registerModel({ ...base, name: `pixelcnn-${bad.length}`, recipes: { [bad]: base.recipe } }),
      /must be kebab-case and not "default"/,
    );
});

test("fit --recipe eightbit: a small PixelCNN takes steps on 8-bit MNIST with a finite loss", async () => {
  const out = path.join(tempDir("deepgen-8bit-"), "run");
  const options = { features: 4, blocks: 1, outputHidden: 4, mixtures: 2 };
  const losses: number[] = [];
  const r = await app.fit(
    { model: "pixelcnn", recipe: "eightbit", options, training: { batchSize: 4 }, out, maxSteps: 2 },
    { onStep: (s) => losses.push(s.loss) },
  );
  assert.equal(r.steps, 2);
  assert.ok(losses.length > 0 && losses.every(Number.isFinite), `losses ${losses}`);
  // 784 values on 256 levels: the loss is in nats per image, far above any binary model's
  assert.ok(losses[0]! > 784 * Math.log(2), `loss ${losses[0]} nats`);
  const s = app.sample(out, { n: 1, seed: 0 });
  assert.ok(
    s.values.some((v) => v !== 0 && v !== 1),
    "samples take grey levels",
  );
});
