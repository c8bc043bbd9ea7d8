/** `deepgen eval` and `deepgen sample`: use a trained run. */
import type { Command } from "commander";
import { loadDataset, type SplitName } from "../data/datasets.js";
import { writeImageGrid } from "../data/png.js";
import { evaluateNll } from "../eval/likelihood.js";
import { loadRun } from "../train/checkpoint.js";
import { Generator } from "../tensor/rng.js";
import { parseNonNegativeInt, parsePositiveInt } from "./options.js";

export function evalCommand(program: Command): void {
  program
    .command("eval")
    .description("negative log-likelihood of a split under a trained model, in nats and bits/dim, with its estimator")
    .argument("<run>", "run directory (uses best.safetensors) or a .safetensors checkpoint in one")
    .option("--split <name>", "valid or test", "test")
    .option("--data-dir <dir>", "where the binarized MNIST files are (default: the run's)")
    .option("--batch-size <n>", "images per batch", parsePositiveInt, 500)
    .option("--json", "one JSON document on stdout")
    .action((target: string, o: { split: string; dataDir?: string; batchSize: number; json?: boolean }) => {
      if (o.split !== "valid" && o.split !== "test" && o.split !== "train") throw new Error(`--split must be train, valid or test, not "${o.split}"`);
      const run = loadRun(target);
      const ds = loadDataset(run.config.dataset, o.dataDir ?? run.config.dataDir);
      const r = evaluateNll(run.model, ds.split(o.split as SplitName), { batchSize: o.batchSize, seed: run.config.seed });
      const out = { model: run.config.model, nll_nats: r.nll_nats, bits_per_dim: r.bits_per_dim, estimator: r.estimator, binarization: ds.binarization, split: o.split, n: r.n };
      if (o.json) console.log(JSON.stringify(out));
      else console.log(`${out.model} on ${run.config.dataset} ${o.split}: ${r.nll_nats.toFixed(3)} nats = ${r.bits_per_dim.toFixed(4)} bits/dim (${r.estimator}, ${ds.binarization} binarization, ${r.n} images)`);
    });
}

export function sampleCommand(program: Command): void {
  program
    .command("sample")
    .description("draw samples from a trained model and write them as a PNG grid")
    .argument("<run>", "run directory or .safetensors checkpoint")
    .option("-n, --n <count>", "number of samples", parsePositiveInt, 64)
    .option("--seed <s>", "random seed", parseNonNegativeInt, 0)
    .option("--out <file>", "PNG file to write", "samples.png")
    .option("--scale <k>", "pixel upscaling in the grid", parsePositiveInt, 2)
    .action((target: string, o: { n: number; seed: number; out: string; scale: number }) => {
      const run = loadRun(target);
      const t0 = Date.now();
      const x = run.model.sample(o.n, new Generator(o.seed));
      writeImageGrid(o.out, x.toArray(), o.n, run.config.shape, { scale: o.scale });
      console.log(`wrote ${o.n} samples of ${run.config.model} to ${o.out} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    });
}
