/**
 * The FVSBN, VAE, IWAE and VQ-VAE + prior recipes decay their rate by a cosine whose length is written in steps,
 * while the recipe's length is written in epochs: change one without the other and the run either stops before the
 * rate has come down or spends its last epochs at the floor. These checks tie the two together on binarized MNIST's
 * 50,000 training images, for every recipe of those models that has a cosine schedule.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { models } from "../../src/index.js";
import { batchCount } from "../../src/data/loader.js";
import { makeSchedule } from "../../src/optim/schedule.js";
import type { Recipe } from "../../src/models/recipe.js";

const TRAIN_IMAGES = 50_000; // binarized MNIST's training split (Larochelle & Murray 2011)

function cosineRecipes(): { label: string; recipe: Recipe }[] {
  const out: { label: string; recipe: Recipe }[] = [];
  for (const name of ["fvsbn", "vae", "iwae", "vq-vae-prior"]) {
    const spec = models.getModelSpec(name);
    const named = { default: spec.recipe, ...(spec.recipes ?? {}) };
    for (const [recipeName, recipe] of Object.entries(named))
      if (recipe.schedule?.kind === "cosine" && recipe.dataset === "binarized-mnist")
        out.push({ label: `${name} ${recipeName}`, recipe });
  }
  return out;
}

test("fvsbn/vae/iwae/vq-vae-prior cosine recipes reach their floor exactly at the last step of the last epoch", () => {
  const found = cosineRecipes();
  // the default recipes of all three models are cosine recipes: finding fewer means the check went blind
  assert.ok(found.length >= 3, `found only ${found.map((r) => r.label).join(", ")}`);
  // vq-vae-prior's default recipe is constant: its `wide` recipe must be found too
  assert.ok(
    found.some((r) => r.label === "vq-vae-prior wide"),
    "no vq-vae-prior wide",
  );
  for (const { label, recipe } of found) {
    models.parseRecipe(label, recipe);
    const steps = recipe.epochs * batchCount(TRAIN_IMAGES, recipe.batchSize);
    assert.equal(recipe.schedule!.total, steps, `${label}: cosine over ${recipe.schedule!.total} steps, run ${steps}`);
    const lr = makeSchedule(recipe.schedule!);
    const floor = recipe.schedule!.minFactor ?? 0;
    // exact up to rounding of cos(π) (≤ 1e-12): the floor is reached at the last step and not one step before
    assert.ok(Math.abs(lr(steps) - floor) < 1e-12, `${label}: factor ${lr(steps)} at the end, floor ${floor}`);
    assert.ok(lr(steps - 1) > floor, `${label}: already at the floor one step early`);
  }
});

test("the vae's recipes end their KL warm-up within the run, after a fifth of it", () => {
  const spec = models.getModelSpec("vae");
  const named = Object.entries({ default: spec.recipe, ...(spec.recipes ?? {}) });
  const warm = named.filter(([, r]) => Number(r.options?.klWarmup ?? 0) > 0);
  assert.ok(warm.some(([n]) => n === "default") && warm.some(([n]) => n === "short"), "default and short warm up");
  for (const [name, recipe] of warm) {
    const steps = recipe.epochs * batchCount(TRAIN_IMAGES, recipe.batchSize);
    assert.equal(Number(recipe.options!.klWarmup) / steps, 0.2, `vae ${name}: warm-up over a fifth of ${steps} steps`);
  }
});

test("dcgan infogan-long: infogan's options, the full rate for exactly 30 epochs, 0 at its last step", () => {
  const spec = models.getModelSpec("dcgan");
  const long = spec.recipes?.["infogan-long"],
    short = spec.recipes?.infogan;
  assert.ok(long && short, "dcgan has infogan and infogan-long recipes");
  // the same model and optimiser as the 10-epoch recipe: only the length and the schedule differ
  assert.deepEqual(long.options, short.options);
  assert.deepEqual(
    [long.lr, long.batchSize, long.betas, long.ema],
    [short.lr, short.batchSize, short.betas, short.ema],
  );
  models.parseRecipe("dcgan infogan-long", long);
  const perEpoch = batchCount(TRAIN_IMAGES, long.batchSize);
  assert.equal(long.schedule?.kind, "linear-decay");
  assert.equal(long.schedule!.holdSteps, 30 * perEpoch, "the hold ends after 30 epochs");
  const steps = long.epochs * perEpoch;
  const lr = makeSchedule({ ...long.schedule!, total: steps }); // fit gives a spanning schedule the run's length
  assert.equal(lr(30 * perEpoch - 1), 1);
  assert.ok(lr(30 * perEpoch + 1) < 1 && lr(steps - 1) > 0, "decaying over the last epochs");
  assert.equal(lr(steps), 0);
});
