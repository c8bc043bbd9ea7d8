/**
 * Translation runs end to end: `deepgen train cyclegan|cycle-vae --max-steps 2`, the checkpoint read by `deepgen
 * sample` (the translation grid) and by the translation report; and the report's arithmetic against a translator that
 * knows the answer (label survival equal to the classifiers' accuracy on real images, zero cycle error).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { decode } from "fast-png";
import { translationReport, TEXTURED_CLASSIFIER } from "../../src/app/index.js";
import { loadDataset } from "../../src/data/datasets.js";
import { greyToRgb } from "../../src/data/translation.js";
import { trainClassifier } from "../../src/eval/classifier/index.js";
import { translationMetrics } from "../../src/eval/translation.js";
import type { TranslationDirection, Translator } from "../../src/models/base.js";
import { tensor, type Tensor } from "../../src/index.js";
import { tempDir } from "../tmp.js";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", path.join(root, "src/cli/main.ts"), ...args], { cwd: root });
const dir = tempDir("deepgen-translation-");
const cacheDir = path.join(dir, "classifiers");
// tiny classifiers (1,000 images, two epochs): enough to exercise the report, not to measure with; trained on the
// validation split, whose 5,000 textured images take a tenth of the time of the training split's 55,000
const tiny = { trainSplits: ["valid" as const], nTrain: 1000, epochs: 2, batchSize: 32 };
const tinyRecipes = { a: tiny, b: tiny };

test("cyclegan and cycle-vae train 2 steps from the CLI; their checkpoints give a grid and a report", async () => {
  const config = {
    cyclegan: { width: 4, discriminatorWidth: 4, blocks: 0 },
    "cycle-vae": { width: 4, latentChannels: 2, discriminatorWidth: 4 },
  };
  // the two CLI runs (train, then sample) go side by side: each is mostly a process loading sources and data
  const runs = Object.entries(config).map(async ([model, options]) => {
    const out = path.join(dir, model);
    const cfg = JSON.stringify({ options, training: { batchSize: 4 } });
    const t = await cli("train", model, "--config", cfg, "--max-steps", "2", "--out", out, "--no-progress");
    assert.match(t.stdout + t.stderr, /stopped after --max-steps at step 2/);
    const png = path.join(dir, `${model}.png`);
    const s = await cli("sample", out, "-n", "3", "--out", png, "--scale", "1");
    assert.match(s.stdout, /3 test images per domain/);
    const img = decode(readFileSync(png));
    // 3 columns and 6 rows of 28-pixel images with 2-pixel padding, RGB
    assert.deepEqual([img.width, img.height, img.channels], [3 * 30 + 2, 6 * 30 + 2, 3]);
    return [model, out] as const;
  });
  for (const [model, out] of await Promise.all(runs)) {
    const r = translationReport(out, { n: 20, cacheDir, classifierRecipes: tinyRecipes, classifierEvalImages: 20 });
    assert.equal(r.model, model);
    for (const d of [r.a_to_b, r.b_to_a]) {
      assert.equal(d.n, 20);
      assert.ok(d.label_survival >= 0 && d.label_survival <= 1);
      assert.ok(d.cycle_abs_error > 0 && d.cycle_abs_error < 1, `${model} ${d.direction} ${d.cycle_abs_error}`);
    }
  }
});

test("the report on a translator returning the true counterparts: survival = real accuracy, no cycle error", () => {
  const n = 60;
  const a = loadDataset("mnist").split("test"),
    b = loadDataset("mnist-textured").split("test");
  const take = <S extends typeof a>(s: S, dim: number) => ({
    ...s,
    n,
    values: s.values.subarray(0, n * dim),
    labels: s.labels!.subarray(0, n),
  });
  const at = take(a, 784),
    bt = take(b, 2352);
  // test image i of B is the blend of test digit i: the exact translation of A image i, and back
  const truth = { "a-to-b": bt.values, "b-to-a": greyToRgb(at.values, n) };
  const next = { "a-to-b": 0, "b-to-a": 0 };
  const oracle: Translator = {
    domainShape: [3, 28, 28],
    translate(x: Tensor, dir: TranslationDirection): Tensor {
      const m = x.shape[0]!,
        from = next[dir];
      next[dir] = (from + m) % n;
      return tensor(truth[dir].slice(from * 2352, (from + m) * 2352), [m, 2352]);
    },
  };
  const clfA = trainClassifier({ cacheDir, recipe: tinyRecipes.a, evalImages: 20 }).classifier;
  const clfB = trainClassifier({
    cacheDir,
    recipe: { ...TEXTURED_CLASSIFIER, ...tinyRecipes.b },
    evalImages: 20,
  }).classifier;
  const r = translationMetrics(oracle, at, bt, { a: clfA, b: clfB }, 25);
  assert.equal(r.a_to_b.label_survival, clfB.accuracy(bt));
  assert.equal(r.b_to_a.label_survival, clfA.accuracy(at));
  assert.equal(r.a_to_b.cycle_abs_error, 0);
  assert.equal(r.b_to_a.cycle_abs_error, 0);
  // the equalities above compare counts of correct readings, not zeros (the tiny B classifier reads ~10%, A's ~90%)
  assert.ok(r.a_to_b.label_survival > 0 && r.b_to_a.label_survival > 0.3, JSON.stringify(r));
});
