/**
 * CPU and wall seconds per training step of a model's recipe, and the projected length of the whole recipe: the
 * recipe is started as `deepgen train <model> --recipe R --max-steps W+N` would start it (real data, the recipe's
 * batch, optimizer and options, `--config` on top) in a temporary run directory, the first W steps are left out as
 * warm-up, and the process's CPU time (user + system, all threads) and wall-clock over the next N steps give the
 * per-step cost (system time separately: fresh memory shows there as page faults). The run is not evaluated.
 * Projection = per-step cost × steps per epoch × the recipe's epochs (an upper bound where early stopping ends a
 * recipe sooner; validation passes not included). One JSON line per model.
 *
 *   node --import tsx bench/recipe-step.ts --models pixelcnn,row-lstm --recipe full --data-dir ../shared/data
 *                                          [--warmup 2] [--steps 5] [--config '{"options":{…}}']
 *
 * Threads: DEEPGEN_THREADS. On a shared machine CPU time is the fairer figure; say the load beside it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { fit } from "../src/app/fit.js";
import { getNumThreads } from "../src/backend/registry.js";
import { loadDataset } from "../src/data/datasets.js";
import { getModelSpec, getRecipe } from "../src/models/index.js";

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "pixelcnn,gated-pixelcnn,row-lstm,diagonal-bilstm" },
    recipe: { type: "string", default: "full" },
    "data-dir": { type: "string" },
    warmup: { type: "string", default: "2" },
    steps: { type: "string", default: "5" },
    config: { type: "string" },
  },
});

const cpuSeconds = (): [number, number] => {
  const u = process.cpuUsage();
  return [(u.user + u.system) / 1e6, u.system / 1e6];
};

/** Thrown from the step hook once the measured steps are done, so that the run is not evaluated. */
class Measured extends Error {}

const warmup = Number(values.warmup),
  steps = Number(values.steps);
for (const model of values.models.split(",")) {
  const recipe = getRecipe(getModelSpec(model), values.recipe);
  const dir = mkdtempSync(path.join(os.tmpdir(), "deepgen-recipe-step-"));
  let [cpu0, sys0] = [0, 0],
    [cpu1, sys1] = [0, 0],
    wall0 = 0,
    wall1 = 0;
  try {
    await fit(
      {
        model,
        recipe: values.recipe,
        out: path.join(dir, "run"),
        maxSteps: warmup + steps,
        ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
        ...(values.config ? { config: values.config } : {}),
      },
      {
        onStep: ({ step }) => {
          if (step === warmup) [[cpu0, sys0], wall0] = [cpuSeconds(), performance.now() / 1000];
          if (step === warmup + steps) {
            [[cpu1, sys1], wall1] = [cpuSeconds(), performance.now() / 1000];
            throw new Measured();
          }
        },
      },
    );
  } catch (e) {
    if (!(e instanceof Measured)) throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const n = loadDataset(recipe.dataset, values["data-dir"]).split("train").n;
  const perEpoch = Math.ceil(n / recipe.batchSize);
  const cpu = (cpu1 - cpu0) / steps,
    wall = (wall1 - wall0) / steps;
  console.log(
    JSON.stringify({
      model,
      recipe: values.recipe,
      threads: getNumThreads(),
      batch: recipe.batchSize,
      cpu_s_per_step: +cpu.toFixed(3),
      system_s_per_step: +((sys1 - sys0) / steps).toFixed(3),
      wall_s_per_step: +wall.toFixed(3),
      steps_per_epoch: perEpoch,
      epochs: recipe.epochs,
      cpu_hours_per_epoch: +((cpu * perEpoch) / 3600).toFixed(3),
      cpu_hours_recipe: +((cpu * perEpoch * recipe.epochs) / 3600).toFixed(2),
      loadavg_1min: +os.loadavg()[0]!.toFixed(1),
    }),
  );
}
