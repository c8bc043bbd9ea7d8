/**
 * What the Trainer records: best.safetensors names a validation NLL only when there was one, and a schedule without
 * its own length spans the run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Generator, models, type data } from "../../src/index.js";
import { Trainer } from "../../src/train/trainer.js";
import { readSafetensors } from "../../src/train/safetensors.js";
import { readEpochRecords } from "../../src/app/runs-index.js";
import type { Recipe } from "../../src/models/registry.js";
import { syntheticDataset } from "../helpers.js";
import { tempDir } from "../tmp.js";

const dataset = (): data.Dataset =>
  syntheticDataset({ seed: 33, shape: [1, 3, 4], sizes: [64, 32, 16], binarization: "fixed", binary: true });

const training: Recipe = { dataset: "synthetic", epochs: 2, batchSize: 16, lr: 1e-3 };

async function train(name: string, options: Record<string, unknown>, recipe: Recipe = training) {
  const spec = models.getModelSpec(name);
  const model = models.createModel(spec, options, { dim: 12, shape: [1, 3, 4] }, new Generator(4));
  const runDir = tempDir(`deepgen-best-meta-${name}-`);
  await new Trainer({ model: model as never, dataset: dataset(), runDir, training: recipe, seed: 2 }).run();
  return { meta: readSafetensors(path.join(runDir, "best.safetensors")).metadata, records: readEpochRecords(runDir) };
}

test("a model without a validation score labels its best checkpoint with the training loss", async () => {
  const { meta, records } = await train("gan", { noiseDim: 4, generatorHidden: [8], discriminatorHidden: [8] });
  assert.equal(meta.valid_nll_nats, undefined, "a GAN has no validation NLL");
  const last = records.at(-1)!;
  assert.equal(last.valid_nll_nats, undefined);
  // the stored figure is the kept epoch's training loss (to float64 string precision)
  assert.equal(Number(meta.train_loss), last.train_loss);
  assert.equal(meta.epoch, String(last.epoch));
});

test("a density model labels its best checkpoint with the validation NLL and its estimator", async () => {
  const { meta, records } = await train("fvsbn", {});
  const best = records.filter((r) => r.best).at(-1)!;
  assert.equal(Number(meta.valid_nll_nats), best.valid_nll_nats);
  assert.equal(meta.estimator, "exact");
  assert.equal(meta.train_loss, undefined);
});

test("a linear decay without a total spans the run: the full rate for the first half, then down to 0", async () => {
  // 2 epochs of 64 / 16 = 4 steps: step t (0-based) runs at lr · (t < 4 ? 1 : (8 − t) / 4); an epoch records the
  // rate of its last step
  const recipe: Recipe = { ...training, epochs: 2, lr: 0.01, schedule: { kind: "linear-decay" } };
  const { records } = await train("fvsbn", {}, recipe);
  assert.deepEqual(
    records.map((r) => r.lr),
    [0.01, 0.0025],
  );
});

test("validEvery: every k-th epoch and the last are validated, the best among them", async () => {
  const { meta, records } = await train("fvsbn", {}, { ...training, epochs: 7, validEvery: 3 });
  // epochs 0..6: validated after epochs 2, 5 (every third) and 6 (the last)
  assert.deepEqual(
    records.filter((r) => r.valid_nll_nats !== undefined).map((r) => r.epoch),
    [2, 5, 6],
  );
  assert.ok(
    records.every((r) => r.valid_nll_nats !== undefined || !r.best),
    "an unvalidated epoch is never best",
  );
  const best = records.filter((r) => r.best).at(-1)!;
  assert.equal(Number(meta.valid_nll_nats), best.valid_nll_nats);
  assert.equal(meta.epoch, String(best.epoch));
  // patience 2 counts epochs, but only a validation stops the run: not before the first (epoch 2), and then only
  // at epoch 5 or 8 if the best is 2 or more epochs behind
  const stopped = await train("fvsbn", {}, { ...training, epochs: 9, validEvery: 3, patience: 2 });
  const last = stopped.records.at(-1)!;
  assert.ok([5, 8].includes(last.epoch), `stopped after epoch ${last.epoch}`);
  assert.notEqual(last.valid_nll_nats, undefined);
  const bestEpoch = stopped.records.filter((r) => r.best).at(-1)!.epoch;
  assert.ok(last.epoch === 8 || last.epoch - bestEpoch >= 2);
});
