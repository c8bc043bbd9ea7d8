/**
 * Adam's betas from the recipe: validated by the recipe schema, handed to each phase's optimizer (one pair for all, or
 * pairs by phase name), and used by the update: two steps against Adam's formula computed by hand with those betas.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, models, tensor, type data } from "../../src/index.js";
import type { Adam } from "../../src/optim/adam.js";
import { makeOptimizer, Trainer } from "../../src/train/trainer.js";
import type { Recipe } from "../../src/models/registry.js";
import { assertClose, syntheticDataset } from "../helpers.js";
import { tempDir } from "../tmp.js";

const base: Recipe = { dataset: "synthetic", epochs: 1, batchSize: 8, lr: 0.01 };

/**
 * Adam by hand in float64: m ← β1·m + (1−β1)g, v ← β2·v + (1−β2)g², θ ← θ − lr·m̂/(√v̂ + ε).
 */
function adamByHand(theta: number[], grads: number[][], lr: number, [b1, b2]: [number, number]): number[] {
  const m = theta.map(() => 0),
    v = theta.map(() => 0),
    out = [...theta];
  grads.forEach((g, t) => {
    for (let i = 0; i < out.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      const mh = m[i]! / (1 - b1 ** (t + 1)),
        vh = v[i]! / (1 - b2 ** (t + 1));
      out[i] = out[i]! - (lr * mh) / (Math.sqrt(vh) + 1e-8);
    }
  });
  return out;
}

test("training.betas reach Adam: two steps match the formula with those betas and differ from the defaults", () => {
  // Adam's first step is lr·sign(g) whatever the betas (bias correction), so the check needs a second step
  const g = new Generator(21);
  const theta0 = Array.from(g.normal01(5)),
    grads = [Array.from(g.normal01(5)), Array.from(g.normal01(5))];
  for (const optimizer of ["adam", "adamw"] as const) {
    const recipe = models.parseRecipe("test", { ...base, optimizer, weightDecay: 0, betas: [0.5, 0.9] });
    const p = tensor(theta0, [5], { dtype: "float64" }).requireGrad();
    const opt = makeOptimizer([p], recipe);
    for (const gr of grads) {
      p.grad = tensor(gr, [5], { dtype: "float64" });
      opt.step();
    }
    const want = adamByHand(theta0, grads, 0.01, [0.5, 0.9]);
    // float64 kernel against float64 arithmetic: rounding only
    assertClose(p.toArray(), want, { atol: 1e-12, rtol: 1e-12 }, `${optimizer} with betas [0.5, 0.9]`);
    const dflt = adamByHand(theta0, grads, 0.01, [0.9, 0.999]);
    assert.ok(
      dflt.some((v, i) => Math.abs(v - want[i]!) > 1e-4),
      "the betas make no difference here: the test could not tell them apart",
    );
  }
});

const synthetic = (): data.Dataset =>
  syntheticDataset({ seed: 3, shape: [1, 3, 4], sizes: [16, 8, 8], binarization: "none" });

test("the Trainer gives each phase its betas: one pair for all, pairs by phase name, unknown names refused", () => {
  const gan = () =>
    models.createModel(
      models.getModelSpec("gan"),
      { generatorHidden: [8], discriminatorHidden: [8], noiseDim: 4 },
      { dim: 12, shape: [1, 3, 4] },
      new Generator(1),
    ) as models.GAN;
  const trainer = (betas: unknown) =>
    new Trainer({
      model: gan(),
      dataset: synthetic(),
      runDir: tempDir("deepgen-betas-"),
      training: models.parseRecipe("test", { ...base, betas }),
      seed: 0,
    });
  const betasOf = (t: Trainer) => t.optimizers.map((o) => (o as Adam).betas);
  assert.deepEqual(betasOf(trainer([0.5, 0.999])), [
    [0.5, 0.999],
    [0.5, 0.999],
  ]);
  assert.deepEqual(betasOf(trainer({ generator: [0.3, 0.99] })), [
    [0.9, 0.999],
    [0.3, 0.99],
  ]);
  assert.throws(
    () => trainer({ critic: [0.5, 0.9] }),
    /"critic", which is not a training phase.*discriminator, generator/,
  );
});

test("the recipe schema checks betas: a pair in [0, 1), adam or adamw only", () => {
  const bad =
    (betas: unknown, extra: object = {}) =>
    () =>
      models.parseRecipe("test", { ...base, betas, ...extra });
  assert.throws(bad([0.5, 1]), /"betas[.\d]*" must be \[β1, β2\] with each in \[0, 1\)/);
  assert.throws(bad([0.5]), /"betas[.\w]*" must be/);
  assert.throws(bad({ generator: [-0.1, 0.9] }), /"betas[.\w]*" must be/);
  assert.throws(bad([0.5, 0.9], { optimizer: "sgd" }), /"betas" applies to adam and adamw only, not sgd/);
  assert.deepEqual(models.parseRecipe("test", { ...base, betas: [0, 0.9] }).betas, [0, 0.9]);
});
