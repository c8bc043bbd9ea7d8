/**
 * A DCGAN trained with the weights' moving average (`training.ema`): best.safetensors holds the average with the
 * generator's batch-norm estimates recomputed for it, `sample` on the run draws from that checkpoint, and the raw
 * run (last.safetensors: weights and running estimates) is the one a run without the average trains.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { app, Generator, type data } from "../../src/index.js";
import { DCGAN, options as dcganOptions } from "../../src/models/adversarial/dcgan.js";
import type { Recipe } from "../../src/models/registry.js";
import { loadWeights, writeConfig } from "../../src/train/checkpoint.js";
import { readSafetensors } from "../../src/train/safetensors.js";
import { RECALIBRATION_STREAM, Trainer } from "../../src/train/trainer.js";
import { VERSION } from "../../src/version.js";
import { tempDir } from "../tmp.js";

const shape: [number, number, number] = [1, 8, 8];
const config = { ...dcganOptions.parse({}), noiseDim: 8, width: 4 };
const newModel = () => new DCGAN(config, { dim: 64, shape }, new Generator(3));

/** Random images in [0, 1], brighter on the left half, so that G has something to learn. */
function dataset(seed: number): data.Dataset {
  const g = new Generator(seed);
  const mk = (name: data.SplitName, n: number): data.Split => {
    const u = g.uniform01(n * 64);
    return { name, n, dim: 64, shape, values: Float32Array.from(u, (v, i) => (i % 8 < 4 ? v : v / 4)), labels: null };
  };
  const splits = { train: mk("train", 96), valid: mk("valid", 16), test: mk("test", 16) };
  return { name: "synthetic", binarization: "fixed", source: "memory", split: (s) => splits[s] };
}

async function train(tag: string, training: Recipe, seed: number): Promise<{ dir: string; trainer: Trainer }> {
  const dir = tempDir(`deepgen-dcgan-avg-${tag}-`);
  const trainer = new Trainer({ model: newModel(), dataset: dataset(seed), runDir: dir, training, seed });
  await trainer.run();
  return { dir, trainer };
}

/** A checkpoint's model tensors by state-dict name (the file prefixes them with `model.`). */
const state = (file: string) =>
  new Map([...readSafetensors(file).tensors].map(([k, t]) => [k.replace(/^model\./, ""), t]));
const G_NORMS = ["generator.bn0", "generator.bn1"];

test("with a weight average, best.safetensors holds the average and batch-norm estimates made for it", async () => {
  const seed = 1 + Math.floor(Math.random() * 1000);
  // a high rate, so that the raw weights move away from their average within 12 steps
  const training: Recipe = { dataset: "synthetic", epochs: 2, batchSize: 16, lr: 0.02, betas: [0.5, 0.999], ema: 0.9 };
  const { dir, trainer } = await train("best", training, seed);
  const best = state(path.join(dir, "best.safetensors")),
    last = state(path.join(dir, "last.safetensors"));
  const avg = trainer.average!;
  avg.names.forEach((n, i) => assert.deepEqual(best.get(n)!.data, avg.average[i], `${n} is the average`));

  // G's batch-norm estimates are those that recalibration computes for the average (the same noise: equal to the
  // bit), not the raw run's
  const probe = newModel();
  loadWeights(path.join(dir, "best.safetensors"), probe);
  for (const [n, b] of probe.namedBuffers()) if (n.startsWith("generator.")) b.data.fill(n.endsWith("Var") ? 3 : -3);
  probe.recalibrate(Generator.derive(seed, RECALIBRATION_STREAM, training.epochs - 1));
  for (const [n, b] of probe.namedBuffers())
    if (n.startsWith("generator.")) assert.deepEqual(b.data, best.get(n)!.data, `${n}: recomputed for the average`);
  for (const n of G_NORMS)
    assert.notDeepEqual(best.get(`${n}.runningVar`)!.data, last.get(`${n}.runningVar`)!.data, `${n} recomputed`);

  // sampling the run directory draws from best.safetensors: the average with its own estimates
  writeConfig(dir, {
    format: 1,
    deepgen: VERSION,
    model: "dcgan",
    options: config,
    dataset: "synthetic",
    dim: 64,
    shape,
    seed,
    training,
  });
  const drawn = app.sample(dir, { n: 6, seed: 4 }).values;
  const want = probe.sample(6, new Generator(4)).toArray();
  assert.deepEqual(Array.from(drawn), Array.from(want, Math.fround));
  const raw = newModel();
  loadWeights(path.join(dir, "last.safetensors"), raw);
  const rawDrawn = raw.sample(6, new Generator(4)).toArray();
  assert.ok(
    rawDrawn.some((v, i) => Math.abs(v - drawn[i]!) > 1e-3),
    "the raw weights draw the same images",
  );
});

test("the average leaves the raw run alone: last.safetensors is a run's without it, estimates included", async () => {
  const seed = 1 + Math.floor(Math.random() * 1000);
  const training: Recipe = { dataset: "synthetic", epochs: 2, batchSize: 16, lr: 0.02, betas: [0.5, 0.999] };
  const a = await train("with", { ...training, ema: 0.9 }, seed);
  const b = await train("without", training, seed);
  const la = state(path.join(a.dir, "last.safetensors")),
    lb = state(path.join(b.dir, "last.safetensors"));
  const names = [...newModel().stateDict().keys()];
  assert.ok(names.some((n) => n.endsWith("runningMean")));
  for (const n of names) assert.deepEqual(la.get(n)!.data, lb.get(n)!.data, `${n} of the raw run`);
});
