/**
 * Test bits/dim of one PixelCNN size on 8-bit data for each output distribution: trains every (dataset, output) cell
 * of the grid for the same number of steps, batch size, learning rate and seed, then scores the whole test split —
 * exactly for the discrete outputs (−log₂ p(x) / dims, from the model's own discrete probabilities), as the
 * dequantized bound averaged over --draws draws of u for `gaussian` (−log₂ p(y) / dims + 8, estimator
 * `dequantized-bound-k`). One JSON line per cell.
 *
 *   node --import tsx bench/pixel-bpd.ts [--data mnist,colour-mnist] [--output softmax,logistic,gaussian]
 *                                         [--steps 1500] [--batch 32] [--lr 0.001] [--seed 0] [--features 36]
 *                                         [--blocks 4] [--output-hidden <features>] [--draws 4]
 *                                         [--out runs/pixel-bpd] [--test-n 10000]
 *
 * Adam at a constant learning rate, gradient norm clipped at 10. Feature counts must be multiples of 3 for colour.
 * --test-n scores only the first n test images (stated in the line as test_n); the default is the whole split.
 * Run directories are <out>/<data>-<output>; an existing one is trained again from scratch.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { fit } from "../src/app/fit.js";
import { openRun, runDataset } from "../src/app/runs.js";
import { getNumThreads } from "../src/backend/registry.js";
import { evaluateNll } from "../src/eval/likelihood.js";
import { isScorer } from "../src/models/index.js";
import { cpuNow, now } from "../src/bench/clock.js";
import type { Split } from "../src/data/split.js";

const { values } = parseArgs({
  options: {
    data: { type: "string", default: "mnist,colour-mnist" },
    output: { type: "string", default: "softmax,logistic,gaussian" },
    steps: { type: "string", default: "1500" },
    batch: { type: "string", default: "32" },
    lr: { type: "string", default: "0.001" },
    seed: { type: "string", default: "0" },
    features: { type: "string", default: "36" },
    blocks: { type: "string", default: "4" },
    "output-hidden": { type: "string" },
    draws: { type: "string", default: "4" },
    out: { type: "string", default: "runs/pixel-bpd" },
    "test-n": { type: "string" },
  },
});
const num = (k: keyof typeof values): number => {
  const v = Number(values[k]);
  if (!Number.isFinite(v)) throw new RangeError(`--${k} must be a number, got "${String(values[k])}"`);
  return v;
};

/** The first n images of a split (the same images for every cell). */
function head(s: Split, n: number): Split {
  if (n >= s.n) return s;
  const [C, H, W] = s.shape;
  return {
    ...s,
    n,
    values: s.values.subarray(0, n * C * H * W),
    labels: s.labels ? s.labels.subarray(0, n) : null,
  };
}

async function cell(dataset: string, output: string): Promise<object> {
  const steps = num("steps"),
    seed = num("seed");
  const features = num("features"),
    outputHidden = values["output-hidden"] ? num("output-hidden") : features;
  const options = {
    features,
    blocks: num("blocks"),
    outputHidden,
    output,
    levels: 256,
    mixtures: 5,
    ...(output === "gaussian" ? { dequantizationDraws: num("draws") } : {}),
  };
  const runDir = path.join(values.out!, `${dataset}-${output}`);
  rmSync(runDir, { recursive: true, force: true });
  const t0 = now(),
    c0 = cpuNow();
  const res = await fit({
    model: "pixelcnn",
    options,
    training: {
      dataset,
      batchSize: num("batch"),
      lr: num("lr"),
      epochs: 1000,
      clipNorm: 10,
      schedule: { kind: "constant" },
    },
    seed,
    out: runDir,
    maxSteps: steps,
  });
  const train = { s: (now() - t0) / 1000, cpu: (cpuNow() - c0) / 1000 };
  const run = openRun(runDir);
  if (!isScorer(run.model)) throw new TypeError("pixelcnn has no density");
  const all = runDataset(run).split("test"),
    test = head(all, values["test-n"] ? num("test-n") : all.n);
  const t1 = now(),
    c1 = cpuNow();
  const r = evaluateNll(run.model, test, { batchSize: 500, seed });
  return {
    model: "pixelcnn",
    dataset,
    output,
    options,
    parameters: run.model.parameterCount(),
    steps: res.steps,
    batch_size: num("batch"),
    lr: num("lr"),
    seed,
    split: "test",
    test_n: test.n,
    estimator: r.estimator,
    nll_nats: +r.nll_nats.toFixed(2),
    bits_per_dim: +r.bits_per_dim.toFixed(4),
    train_seconds: +train.s.toFixed(1),
    train_cpu_seconds: +train.cpu.toFixed(1),
    eval_seconds: +((now() - t1) / 1000).toFixed(1),
    eval_cpu_seconds: +((cpuNow() - c1) / 1000).toFixed(1),
    threads: getNumThreads(),
    run: runDir,
  };
}

for (const dataset of values.data!.split(","))
  for (const output of values.output!.split(",")) console.log(JSON.stringify(await cell(dataset, output)));
