/** A run interrupted and resumed ends bitwise identical to one that was not. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Generator, models, type data } from "../../src/index.js";
import { Trainer } from "../../src/train/trainer.js";
import type { Recipe } from "../../src/models/registry.js";
import { syntheticDataset } from "../helpers.js";
import { tempDir } from "../tmp.js";

const dataset = (): data.Dataset =>
  syntheticDataset({ seed: 11, shape: [1, 3, 4], sizes: [90, 30, 30], binarization: "dynamic" });

const training: Recipe = { dataset: "synthetic", epochs: 3, batchSize: 16, lr: 0.01, patience: 10 };

function newModel(): models.AutoregressiveModel {
  const spec = models.getModelSpec("made");
  // two masks: the loss draws from the model's random stream every step, so resume must restore it
  return models.createModel(
    spec,
    { hidden: [10], nMasks: 2, orderAgnostic: true },
    { dim: 12, shape: [1, 3, 4] },
    new Generator(4),
  ) as models.AutoregressiveModel;
}

test("interrupt after 4 steps (mid-epoch, before any validation) + resume = uninterrupted, bit for bit", async () => {
  const ds = dataset();
  const dirA = tempDir("deepgen-a-"),
    dirB = tempDir("deepgen-b-");
  const a = newModel();
  const full = await new Trainer({ model: a, dataset: ds, runDir: dirA, training, seed: 3 }).run();
  assert.equal(full.status, "finished");
  assert.equal(full.steps, 3 * 6);

  const b1 = newModel();
  // maxSteps 4 stops before the first validation
  const part = await new Trainer({ model: b1, dataset: ds, runDir: dirB, training, seed: 3, maxSteps: 4 }).run();
  assert.equal(part.status, "paused");
  const b2 = newModel(); // a fresh process: nothing carried over but the files
  const rest = await new Trainer({ model: b2, dataset: ds, runDir: dirB, training, seed: 3, resume: true }).run();
  assert.equal(rest.status, "finished");
  assert.equal(rest.steps, full.steps);

  a.parameters().forEach((p, i) => assert.deepEqual(b2.parameters()[i]!.data, p.data, `parameter ${i}`));
  assert.deepEqual(
    readFileSync(path.join(dirB, "best.safetensors")),
    readFileSync(path.join(dirA, "best.safetensors")),
  );
  const metrics = (d: string) =>
    readFileSync(path.join(d, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => {
        const m = JSON.parse(l);
        delete m.seconds;
        return m;
      });
  assert.deepEqual(metrics(dirB), metrics(dirA));

  // and the test can fail: a different seed gives different weights
  const c = newModel();
  await new Trainer({
    model: c,
    dataset: ds,
    runDir: tempDir("deepgen-c-"),
    training,
    seed: 4,
  }).run();
  assert.notDeepEqual(c.parameters()[0]!.data, a.parameters()[0]!.data);
});
