/** The Trainer's moving average of the weights: its update rule, what it is used for, and resume. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Generator, models, type data } from "../../src/index.js";
import { Trainer } from "../../src/train/trainer.js";
import { loadWeights } from "../../src/train/checkpoint.js";
import { evaluateNll } from "../../src/eval/likelihood.js";
import type { Recipe } from "../../src/models/registry.js";
import { syntheticDataset } from "../helpers.js";
import { tempDir } from "../tmp.js";

const dataset = (): data.Dataset =>
  syntheticDataset({ seed: 21, shape: [1, 2, 5], sizes: [80, 40, 20], binarization: "dynamic" });

const training: Recipe = { dataset: "synthetic", epochs: 3, batchSize: 16, lr: 0.05, ema: 0.9 };
const tmp = (tag: string) => tempDir(`deepgen-ema-${tag}-`);

function newModel(): models.GenerativeModel & models.Trainable {
  // random (not zero) initial weights, so that the average's starting point matters
  const spec = models.getModelSpec("fvsbn");
  return models.createModel(spec, { zeroInit: false }, { dim: 10, shape: [1, 2, 5] }, new Generator(5)) as never;
}

const copyParams = (m: models.GenerativeModel) => m.parameters().map((p) => Float32Array.from(p.data));

test("the average follows a ← b·a + (1 − b)·w, b = min(β, (1 + t)/(10 + t)), after every step", async () => {
  const model = newModel();
  const ref = copyParams(model); // a_0 = the initial weights
  const trainer = new Trainer({
    model,
    dataset: dataset(),
    runDir: tmp("rule"),
    training,
    seed: 1,
    onStep: ({ step }) => {
      const b = Math.min(0.9, (1 + step) / (10 + step));
      model.parameters().forEach((p, i) => {
        const a = ref[i]!;
        for (let k = 0; k < a.length; k++) a[k] = b * a[k]! + (1 - b) * p.data[k]!;
      });
    },
  });
  const s = await trainer.run();
  assert.equal(s.steps, 3 * 5);
  // the same float32 storage and the same arithmetic: equal to the bit
  trainer.average!.average.forEach((a, i) => assert.deepEqual(a, ref[i], `parameter ${i}`));
  // the raw weights kept training: they are not the average
  assert.notDeepEqual(copyParams(model)[0], ref[0]);
});

test("validation and best.safetensors use the average; the raw weights' score is recorded beside it", async () => {
  const model = newModel(),
    ds = dataset(),
    dir = tmp("best");
  const checked: number[] = [];
  const trainer: Trainer = new Trainer({
    model,
    dataset: ds,
    runDir: dir,
    training: { ...training, epochs: 2 },
    seed: 2,
    onMetrics: (m) => {
      const probe = newModel();
      loadWeights(path.join(dir, "best.safetensors"), probe);
      if (m.best) probe.parameters().forEach((p, i) => assert.deepEqual(p.data, trainer.average!.average[i]));
      // what evaluation loads (best.safetensors) scores as the validation record says, to float precision
      const v = evaluateNll(probe as never, ds.split("valid"), { seed: 2, validation: true });
      if (m.best) assert.ok(Math.abs(v.nll_nats - (m.valid_nll_nats as number)) < 1e-9);
      assert.equal(typeof m.raw_valid_nll_nats, "number");
      assert.notEqual(m.raw_valid_nll_nats, m.valid_nll_nats);
      checked.push(m.epoch as number);
    },
  });
  await trainer.run();
  assert.deepEqual(checked, [0, 1]);
});

test("interrupted (mid-epoch) + resumed = uninterrupted, average included, bit for bit", async () => {
  const ds = dataset(),
    dirA = tmp("a"),
    dirB = tmp("b");
  const a = newModel();
  const ta = new Trainer({ model: a, dataset: ds, runDir: dirA, training, seed: 3 });
  await ta.run();
  const b1 = newModel();
  const part = await new Trainer({ model: b1, dataset: ds, runDir: dirB, training, seed: 3, maxSteps: 7 }).run();
  assert.equal(part.status, "paused");
  const b2 = newModel();
  const tb = new Trainer({ model: b2, dataset: ds, runDir: dirB, training, seed: 3, resume: true });
  await tb.run();
  tb.average!.average.forEach((avg, i) => assert.deepEqual(avg, ta.average!.average[i], `average ${i}`));
  a.parameters().forEach((p, i) => assert.deepEqual(b2.parameters()[i]!.data, p.data, `parameter ${i}`));
  assert.deepEqual(
    readFileSync(path.join(dirB, "best.safetensors")),
    readFileSync(path.join(dirA, "best.safetensors")),
  );
});
