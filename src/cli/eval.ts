/** `deepgen eval` and `deepgen sample`: use a trained run. */
import type { Command } from "commander";
import { loadDataset, type SplitName } from "../data/datasets.js";
import { writeImageGrid } from "../data/png.js";
import { encodeNpy } from "../data/formats.js";
import { writeFileAtomic } from "../train/safetensors.js";
import { AutoregressiveModel } from "../models/base.js";
import { tensor } from "../tensor/create.js";
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
    .option("--scores <file.npy>", "also write every image's anomaly score −log p(x) (nats) as a float32 NPY array")
    .option("--json", "one JSON document on stdout")
    .action(
      (target: string, o: { split: string; dataDir?: string; batchSize: number; scores?: string; json?: boolean }) => {
        if (o.split !== "valid" && o.split !== "test" && o.split !== "train")
          throw new Error(`--split must be train, valid or test, not "${o.split}"`);
        const run = loadRun(target);
        const ds = loadDataset(run.config.dataset, o.dataDir ?? run.config.dataDir);
        const split = ds.split(o.split as SplitName);
        const t0 = Date.now();
        let last = t0;
        // long estimates (IWAE-5000 takes minutes) report progress on stderr every 10 s
        const onBatch = (done: number): void => {
          const now = Date.now();
          if (now - last < 10000) return;
          last = now;
          const rate = done / ((now - t0) / 1000);
          process.stderr.write(
            `evaluated ${done}/${split.n} images (${rate.toFixed(0)}/s, about ${Math.ceil((split.n - done) / rate / 60)} min left)\n`,
          );
        };
        const r = evaluateNll(run.model, split, {
          batchSize: o.batchSize,
          seed: run.config.seed,
          keepPerImage: !!o.scores,
          onBatch,
        });
        if (o.scores) writeFileAtomic(o.scores, encodeNpy(Float32Array.from(r.perImage!), [r.n]));
        const out = {
          model: run.config.model,
          nll_nats: r.nll_nats,
          bits_per_dim: r.bits_per_dim,
          estimator: r.estimator,
          binarization: ds.binarization,
          split: o.split,
          n: r.n,
        };
        if (o.json) console.log(JSON.stringify(out));
        else
          console.log(
            `${out.model} on ${run.config.dataset} ${o.split}: ${r.nll_nats.toFixed(3)} nats = ${r.bits_per_dim.toFixed(4)} bits/dim (${r.estimator}, ${ds.binarization} binarization, ${r.n} images)`,
          );
      },
    );
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
      console.log(
        `wrote ${o.n} samples of ${run.config.model} to ${o.out} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    });
}

export function completeCommand(program: Command): void {
  program
    .command("complete")
    .description(
      "conditional completion with an autoregressive model: keep part of each test image, sample the rest, write a grid",
    )
    .argument("<run>", "run directory or .safetensors checkpoint of an autoregressive model")
    .option("-n, --n <count>", "test images to complete", parsePositiveInt, 8)
    .option("--samples <k>", "completions per image", parsePositiveInt, 5)
    .option("--keep <part>", "observed part: top or left half", "top")
    .option("--split <name>", "valid or test", "test")
    .option("--seed <s>", "random seed", parseNonNegativeInt, 0)
    .option("--data-dir <dir>", "where the binarized MNIST files are (default: the run's)")
    .option("--out <file>", "PNG: per row the original, the observed part, then the completions", "completions.png")
    .action(
      (
        target: string,
        o: { n: number; samples: number; keep: string; split: string; seed: number; dataDir?: string; out: string },
      ) => {
        const run = loadRun(target);
        if (!(run.model instanceof AutoregressiveModel))
          throw new Error(`${run.config.model} is not an autoregressive model; completion needs one`);
        if (o.keep !== "top" && o.keep !== "left") throw new Error(`--keep must be top or left, not "${o.keep}"`);
        const [, h, w] = run.config.shape,
          D = run.config.dim;
        const observed = Uint8Array.from({ length: D }, (_, i) =>
          (o.keep === "top" ? Math.floor(i / w) < h / 2 : i % w < w / 2) ? 1 : 0,
        );
        const split = loadDataset(run.config.dataset, o.dataDir ?? run.config.dataDir).split(o.split as SplitName);
        const n = Math.min(o.n, split.n),
          k = o.samples,
          cols = k + 2;
        const x = new Float32Array(n * k * D);
        for (let i = 0; i < n; i++)
          for (let s = 0; s < k; s++) x.set(split.values.subarray(i * D, (i + 1) * D), (i * k + s) * D);
        const done = run.model.complete(tensor(x, [n * k, D]), observed, new Generator(o.seed)).toArray();
        const grid = new Float32Array(n * cols * D);
        for (let i = 0; i < n; i++) {
          const img = split.values.subarray(i * D, (i + 1) * D);
          grid.set(img, i * cols * D);
          grid.set(
            img.map((v, p) => (observed[p] ? v : 0.25)),
            (i * cols + 1) * D,
          );
          for (let s = 0; s < k; s++)
            grid.set(done.slice((i * k + s) * D, (i * k + s + 1) * D), (i * cols + 2 + s) * D);
        }
        writeImageGrid(o.out, grid, n * cols, run.config.shape, { nrow: cols, scale: 2 });
        console.log(`wrote ${n} images × ${k} completions (${o.keep} half observed) to ${o.out}`);
      },
    );
}
