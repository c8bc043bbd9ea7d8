/** Training options of the likelihood recipes: L2 on weights only, SGD's momentum, staged rates, data-set biases. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, models, tensor, type data } from "../../src/index.js";
import { Trainer, makeOptimizer } from "../../src/train/trainer.js";
import { parseRecipe } from "../../src/models/recipe.js";
import { makeSchedule } from "../../src/optim/schedule.js";
import type { Recipe } from "../../src/models/registry.js";

const shape = { dim: 10, shape: [1, 2, 5] as [number, number, number] };
function fvsbn(options: Record<string, unknown> = { zeroInit: false }): models.GenerativeModel & models.Trainable {
  return models.createModel(models.getModelSpec("fvsbn"), options, shape, new Generator(7)) as never;
}

function split(n: number, seed: number): data.Split {
  const values = Float32Array.from(new Generator(seed).uniform01(n * 10), (u) => (u < 0.3 ? 1 : 0));
  return { name: "train", n, ...shape, values, labels: null };
}

/** One SGD step (no momentum) on a fixed random batch; returns every parameter after it. */
function oneStep(extra: Partial<Recipe>): Float32Array[] {
  const model = fvsbn();
  const r: Recipe = { dataset: "synthetic", epochs: 1, batchSize: 8, lr: 0.1, optimizer: "sgd", momentum: 0, ...extra };
  const ds: data.Dataset = {
    name: "synthetic",
    binarization: "fixed",
    source: "memory",
    split: () => split(8, 3),
  };
  const t = new Trainer({ model, dataset: ds, runDir: "/nonexistent", training: r, seed: 0 });
  const x = tensor(Array.from(split(8, 3).values), [8, 10]);
  t.trainStep(x, { generator: new Generator(1), step: 0, epoch: 0, labels: null });
  return model.parameters().map((p) => Float32Array.from(p.data));
}

test("decayBiases: false decays the weight matrix by lr·wd·w and leaves the bias alone", () => {
  const w0 = fvsbn()
    .parameters()
    .map((p) => Float32Array.from(p.data));
  const plain = oneStep({}),
    all = oneStep({ weightDecay: 0.5 }),
    weightsOnly = oneStep({ weightDecay: 0.5, decayBiases: false });
  const names = fvsbn()
    .namedParameters()
    .map(([n]) => n);
  names.forEach((name, i) => {
    const isMatrix = fvsbn().parameters()[i]!.shape.length >= 2;
    for (let k = 0; k < w0[i]!.length; k++) {
      const decay = 0.1 * 0.5 * w0[i]![k]!;
      // float32 updates: tolerance 1e-5 on values of order 1
      assert.ok(Math.abs(plain[i]![k]! - decay - all[i]![k]!) < 1e-5, `${name}[${k}] with decay everywhere`);
      const want = isMatrix ? plain[i]![k]! - decay : plain[i]![k]!;
      assert.ok(Math.abs(weightsOnly[i]![k]! - want) < 1e-5, `${name}[${k}] with decayBiases false`);
    }
  });
  assert.ok(names.some((n) => n.endsWith("bias")) && w0.some((w) => w.some((v) => Math.abs(v) > 0.01)));
});

test("l1 moves the weight matrix by lr·λ·sign(w) and leaves the bias alone", () => {
  const w0 = fvsbn()
    .parameters()
    .map((p) => Float32Array.from(p.data));
  const plain = oneStep({}),
    l1 = oneStep({ l1: 0.2 });
  fvsbn()
    .parameters()
    .forEach((p, i) => {
      for (let k = 0; k < w0[i]!.length; k++) {
        const want = p.shape.length >= 2 ? plain[i]![k]! - 0.1 * 0.2 * Math.sign(w0[i]![k]!) : plain[i]![k]!;
        assert.ok(Math.abs(l1[i]![k]! - want) < 1e-5, `parameter ${i}[${k}]`); // float32 updates, values of order 1
      }
    });
});

test("sgd's momentum comes from the recipe; momentum and decayBiases are refused where they do not apply", () => {
  const p = fvsbn().parameters();
  const r = parseRecipe("test", { dataset: "d", epochs: 1, batchSize: 1, lr: 0.1, optimizer: "sgd", momentum: 0.5 });
  assert.equal((makeOptimizer(p, r) as unknown as { momentum: number }).momentum, 0.5);
  assert.throws(() => parseRecipe("test", { dataset: "d", epochs: 1, batchSize: 1, lr: 0.1, momentum: 0.5 }), /sgd/);
  const adamw = { dataset: "d", epochs: 1, batchSize: 1, lr: 0.1, optimizer: "adamw", decayBiases: false };
  assert.throws(() => parseRecipe("test", adamw), /adamw/);
  assert.throws(() => parseRecipe("test", { dataset: "d", epochs: 1, batchSize: 1, lr: 0.1, ema: 1 }), /\[0, 1\)/);
});

test("stages: stage i lasts first·ratio^i steps at gamma^i, and the last stage goes on", () => {
  const s = makeSchedule({ kind: "stages", every: 2, ratio: 3, gamma: 0.5, stages: 3 });
  // stage 0: steps 0–1; stage 1: 2–7; stage 2: 8 onwards
  const want = [1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25];
  assert.deepEqual(
    want.map((_, t) => s(t)),
    want,
  );
  assert.equal(s(10_000), 0.25);
  // Burda et al.: 3^i epochs at 10^(−i/7); epoch e of 1-step epochs sits in stage ⌊log3(2e + 1)⌋
  const burda = makeSchedule({ kind: "stages", every: 1 });
  for (const [e, i] of [
    [0, 0],
    [1, 1],
    [3, 1],
    [4, 2],
    [12, 2],
    [13, 3],
    [3279, 7],
    [5000, 7],
  ] as const)
    assert.ok(Math.abs(burda(e) - 10 ** (-i / 7)) < 1e-12, `epoch ${e}`);
});

test("fvsbn biasFromData starts each bias at its pixel's log-odds (clamped), weights untouched", () => {
  const m = fvsbn({ biasFromData: true }) as unknown as models.DataInit & models.GenerativeModel;
  const train = split(200, 9);
  for (let r = 0; r < train.n; r++) train.values[r * 10 + 9] = 0; // a pixel that is never on
  const before = m.parameters().map((p) => Float32Array.from(p.data));
  m.initFromData(train);
  const bias = m.namedParameters().find(([n]) => n.endsWith("bias"))![1].data;
  for (let i = 0; i < 10; i++) {
    let on = 0;
    for (let r = 0; r < train.n; r++) on += train.values[r * 10 + i]!;
    const q = Math.min(Math.max(on / train.n, 1e-3), 1 - 1e-3);
    assert.ok(Math.abs(bias[i]! - Math.log(q / (1 - q))) < 1e-5, `bias ${i}`); // float32 storage
  }
  const wIndex = m.parameters().findIndex((p) => p.shape.length === 2);
  assert.deepEqual(m.parameters()[wIndex]!.data, before[wIndex]);
  // off by default
  const plain = fvsbn() as unknown as models.DataInit & models.GenerativeModel;
  const b0 = Float32Array.from(plain.parameters().find((p) => p.shape.length === 1)!.data);
  plain.initFromData(train);
  assert.deepEqual(plain.parameters().find((p) => p.shape.length === 1)!.data, b0);
});
