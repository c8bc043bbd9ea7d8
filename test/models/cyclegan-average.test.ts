/**
 * A CycleGAN trained with the weights' moving average (`training.ema`): the average covers both generators (and both
 * critics), best.safetensors holds it after every epoch although the model has no validation score, and a run
 * directory opened for translation (what `eval` and `translate` do) reads that average; last.safetensors keeps the
 * raw weights, the average beside them, and the history buffers of the raw run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Generator, tensor, type data } from "../../src/index.js";
import { CycleGAN, options as cycleganOptions } from "../../src/models/translation/cyclegan.js";
import type { Recipe } from "../../src/models/registry.js";
import { loadRun, loadWeights, weightsFile, writeConfig } from "../../src/train/checkpoint.js";
import { readSafetensors } from "../../src/train/safetensors.js";
import { Trainer } from "../../src/train/trainer.js";
import { averageDecay } from "../../src/train/weight-average.js";
import { VERSION } from "../../src/version.js";
import { tempDir } from "../tmp.js";

const shape: [number, number, number] = [4, 8, 8];
const DIM = 4 * 64;
const config = cycleganOptions.parse({ width: 4, discriminatorWidth: 4, blocks: 0, discriminatorSteps: 2 });
const newModel = () => new CycleGAN(config, { dim: DIM, shape }, new Generator(5));

/** Random pairs in [0, 1]: a grey channel, then a colour image brighter on its left half. */
function dataset(seed: number): data.Dataset {
  const g = new Generator(seed);
  const mk = (name: data.SplitName, n: number): data.Split => {
    const u = g.uniform01(n * DIM);
    return { name, n, dim: DIM, shape, values: Float32Array.from(u, (v, i) => (i % 8 < 4 ? v : v / 4)), labels: null };
  };
  const splits = { train: mk("train", 12), valid: mk("valid", 4), test: mk("test", 4) };
  return { name: "synthetic", binarization: "fixed", source: "memory", split: (s) => splits[s] };
}

/** A checkpoint's tensors by name, `model.` taken off. */
const state = (file: string) =>
  new Map([...readSafetensors(file).tensors].map(([k, t]) => [k.replace(/^model\./, ""), t]));

test("cyclegan, weight average: both generators in it, best.safetensors and translation are the average", async () => {
  const seed = 1 + Math.floor(Math.random() * 1000);
  // a high rate, so that the raw weights move away from their average within the 6 steps (3 per epoch)
  const training: Recipe = { dataset: "synthetic", epochs: 2, batchSize: 4, lr: 0.02, betas: [0.5, 0.999], ema: 0.9 };
  const dir = tempDir("deepgen-cyclegan-avg-");
  const model = newModel();
  // the average restated for both generators: a ← β_t·a + (1 − β_t)·w after each step t, from the start
  const gens = model.namedParameters().filter(([n]) => n.startsWith("g_"));
  const expected = new Map(gens.map(([n, p]) => [n, Float64Array.from(p.data)]));
  const onStep = ({ step }: { step: number }): void => {
    const b = averageDecay(0.9, step);
    for (const [n, p] of gens) expected.get(n)!.forEach((a, k, e) => (e[k] = b * a + (1 - b) * p.data[k]!));
  };
  const trainer = new Trainer({ model, dataset: dataset(seed), runDir: dir, training, seed, onStep });
  const s = await trainer.run();
  assert.equal(s.status, "finished");
  assert.equal(s.steps, 6);

  // every trained parameter is averaged: both generators and both critics
  const avg = trainer.average!;
  const trained = [model.genAB, model.genBA, model.discA, model.discB].flatMap((m) => m.parameters());
  assert.equal(avg.params.length, trained.length);
  for (const p of trained) assert.ok(avg.params.includes(p), "a trained parameter outside the average");
  for (const prefix of ["g_ab.", "g_ba.", "d_a.", "d_b."])
    assert.ok(
      avg.names.some((n) => n.startsWith(prefix)),
      `${prefix}* averaged`,
    );

  // best.safetensors (saved at each epoch's end: no validation score to choose by) is the average, marked so
  const bestFile = path.join(dir, "best.safetensors"),
    lastFile = path.join(dir, "last.safetensors");
  const best = state(bestFile),
    last = state(lastFile);
  assert.equal(readSafetensors(bestFile).metadata.weights, "ema");
  avg.names.forEach((n, i) => {
    assert.deepEqual(best.get(n)!.data, avg.average[i], `${n} in best.safetensors is the average`);
    assert.deepEqual(last.get(`ema.${n}`)!.data, avg.average[i], `last.safetensors keeps the average of ${n}`);
    assert.deepEqual(last.get(n)!.data, avg.params[i]!.data, `last.safetensors keeps the raw ${n}`);
  });
  // float32 storage against a float64 restatement over 6 steps: 1e-6
  for (const [n, e] of expected)
    assert.ok(
      e.every((v, k) => Math.abs(v - best.get(n)!.data[k]!) <= 1e-6),
      `${n} in best.safetensors is the moving average of the steps' weights`,
    );
  const moved = (prefix: string) =>
    avg.names.some((n) => n.startsWith(prefix) && best.get(n)!.data.some((v, k) => v !== last.get(n)!.data[k]));
  assert.ok(moved("g_ab.") && moved("g_ba."), "the average of each generator differs from its raw weights");
  // the history buffers are the raw run's (the average swaps weights only)
  for (const n of ["history_a.images", "history_b.images", "history_a.filled"])
    assert.deepEqual(best.get(n)!.data, last.get(n)!.data, n);
  assert.ok(best.get("history_b.filled")!.data[0]! > 0);

  // opening the run directory (eval, translate) reads best.safetensors: its translations are the average's
  writeConfig(dir, {
    format: 1,
    deepgen: VERSION,
    model: "cyclegan",
    options: config,
    dataset: "synthetic",
    dim: DIM,
    shape,
    seed,
    training,
  });
  assert.equal(weightsFile(dir).weights, bestFile);
  const opened = loadRun(dir).model as CycleGAN;
  const averaged = newModel(),
    raw = newModel();
  avg.names.forEach((n, i) => averaged.stateDict().get(n)!.data.set(avg.average[i]!));
  loadWeights(lastFile, raw);
  const g = new Generator(seed + 1);
  const x = tensor(Float32Array.from(g.uniform01(2 * 3 * 64)), [2, 3, 8, 8]);
  for (const way of ["a-to-b", "b-to-a"] as const) {
    const got = opened.translate(x, way).toArray();
    assert.deepEqual(got, averaged.translate(x, way).toArray(), `${way}: the average translates`);
    const r = raw.translate(x, way).toArray();
    assert.ok(
      r.some((v, k) => Math.abs(v - got[k]!) > 1e-4),
      `${way}: the raw weights translate alike`,
    );
  }
});
