/** `deepgen eval`, `deepgen sample`, `deepgen complete`: use a trained run. */
import type { Command } from "commander";
import {
  complete,
  evaluate,
  runCanTranslate,
  runSampleQuality,
  sample,
  translationGrid,
  type RunQuality,
} from "../app/index.js";
import { encodeNpy } from "../data/formats.js";
import { writeImageGrid } from "../data/png.js";
import { writeFileAtomic } from "../util/fs.js";
import { loadQueue } from "./queue-lazy.js";
import { reportEnqueued, retryOptions, withQueueFlags, type QueueFlags } from "./jobs.js";
import { note, parseNonNegativeInt, parseNumber, parsePositiveInt, parsePositiveNumber } from "./options.js";
import { evalTranslation } from "./translation.js";

interface EvalFlags extends QueueFlags {
  split: string;
  dataDir?: string;
  batchSize?: number;
  scores?: string;
  json?: boolean;
  shards?: number;
  samples?: number;
  parzen?: boolean;
  cache?: string;
  seed?: number;
  limit?: number;
  truncation?: number;
  drs?: number;
}

const f2 = (v: number): string => v.toFixed(2);

const TRUNCATION_HELP =
  "draw the latent z with every |z_i| ≤ psi (the truncation trick, Brock et al. 2019; models with a Gaussian " +
  "latent input): cleaner, less varied images that are not samples of the trained distribution";

const DRS_HELP =
  "discriminator rejection sampling (Azadi et al. 2019; models whose discriminator's logit estimates the density " +
  "ratio): keep each generated image with probability σ(F), F shifted by gamma (0: the exact ratio; larger keeps " +
  "fewer); the kept images are the model's samples reweighted by its discriminator";

/** What rejection sampling kept, for the report lines. */
const keptText = (r: NonNullable<RunQuality["rejection"]>): string =>
  `discriminator rejection sampling (γ = ${r.gamma}): kept ${r.accepted} of ${r.candidates} ` +
  `(${(100 * r.acceptance_rate).toFixed(2)}%) after a burn-in of ${r.burn_in}; largest logit ${r.max_logit.toFixed(3)}`;

function printQuality(q: RunQuality): void {
  const row = (name: string, m: RunQuality["samples"]): string =>
    `${name.padEnd(22)} ${f2(m.fid).padStart(8)} ${f2(m.classifier_score).padStart(6)} ` +
    `${f2(m.precision).padStart(6)}/${f2(m.recall).padEnd(5)}` +
    (m.parzen ? ` ${f2(m.parzen.log_likelihood_nats)} ± ${f2(m.parzen.std_error_nats)}` : "");
  const truncated = q.truncation === null ? "" : `, latent truncated to |z_i| ≤ ${q.truncation}`;
  console.log(
    `sample quality of ${q.model} against ${q.samples.reference.description} (n = ${q.samples.n_samples}${truncated})`,
  );
  if (q.rejection) console.log(keptText(q.rejection));
  const parzen = q.samples.parzen ? "  Parzen" : "";
  console.log(`${"".padEnd(22)} ${"FID".padStart(8)} ${"score".padStart(6)} precision/recall${parzen}`);
  console.log(row("samples", q.samples));
  console.log(row("floor (real train)", q.floor));
  console.log(`labels of samples: ${q.samples.label_histogram.counts.join(" ")}`);
  if (q.samples.label_accuracy !== null)
    console.log(`read as the class they were drawn as: ${(100 * q.samples.label_accuracy).toFixed(2)}%`);
  if (q.samples.parzen)
    console.log("Parzen-window log-likelihood is a poor estimate of the true likelihood (Theis et al. 2016).");
}

export function evalCommand(program: Command): void {
  withQueueFlags(program.command("eval"))
    .description("negative log-likelihood of a split under a trained model, in nats and bits/dim, with its estimator")
    .argument("<run>", "run directory (uses best.safetensors) or a .safetensors checkpoint in one")
    .option("--split <name>", "train, valid or test", "test")
    .option("--data-dir <dir>", "where the binarized MNIST files are (default: the run's)")
    .option(
      "--batch-size <n>",
      "images per batch (default: the model's; 500 for most, fewer for pixel models)",
      parsePositiveInt,
    )
    .option("--scores <file.npy>", "also write every image's anomaly score −log p(x) (nats) as a float32 NPY array")
    .option("--json", "one JSON document on stdout")
    .option(
      "--shards <n>",
      "with --queue: split the images into n shard jobs (default: one per 2,500)",
      parsePositiveInt,
    )
    .option(
      "--samples <n>",
      "sample quality instead: FID, classifier score, precision/recall of n samples",
      parsePositiveInt,
    )
    .option("--parzen", "with --samples: also the Parzen-window log-likelihood (protocol of Goodfellow et al. 2014)")
    .option("--cache <dir>", "with --samples or a translator: where the classifiers are cached (trained on first use)")
    .option("--seed <s>", "with --samples: sampling seed", parseNonNegativeInt)
    .option("--limit <n>", "with a translator: only the first n test images of each domain", parsePositiveInt)
    .option("--truncation <psi>", TRUNCATION_HELP, parsePositiveNumber)
    .option("--drs <gamma>", DRS_HELP, parseNumber)
    .action(async (target: string, o: EvalFlags) => {
      // a translator's report: label survival both ways and cycle error (instead of an NLL it does not have)
      if (o.samples === undefined && !o.queue && runCanTranslate(target)) return evalTranslation(target, o);
      if (o.samples !== undefined) {
        const q = runSampleQuality(target, {
          n: o.samples,
          parzen: !!o.parzen,
          ...(o.seed !== undefined ? { seed: o.seed } : {}),
          ...(o.truncation !== undefined ? { truncation: o.truncation } : {}),
          ...(o.drs !== undefined ? { rejection: o.drs } : {}),
          ...(o.cache ? { cacheDir: o.cache } : {}),
          ...(o.dataDir ? { dataDir: o.dataDir } : {}),
          onClassifier: (p) => {
            if (p.kind === "epoch")
              note(`classifier (first use): epoch ${p.epoch + 1}/${p.epochs} [${p.seconds.toFixed(0)} s]`);
            if (p.kind === "done")
              note(`classifier: ${(100 * p.testAccuracy).toFixed(2)}% test accuracy, cached in ${p.file}`);
          },
        });
        if (o.json) console.log(JSON.stringify(q));
        else printQuality(q);
        return;
      }
      if (o.queue) {
        if (o.scores) throw new Error("--scores is not available with --queue (per-image scores stay on workers)");
        const opts = { split: o.split, batchSize: o.batchSize, ...(o.dataDir ? { dataDir: o.dataDir } : {}) };
        const { enqueueEval } = await loadQueue();
        const job = await enqueueEval(
          o.queue,
          target,
          { ...opts, ...(o.shards ? { shards: o.shards } : {}) },
          retryOptions(o),
        );
        return reportEnqueued(o.queue, [job], o);
      }
      const t0 = Date.now();
      let last = t0;
      // long estimates (thousands of importance samples per image take minutes) report progress every 10 s
      const onProgress = (done: number, total: number): void => {
        const now = Date.now();
        if (now - last < 10000) return;
        last = now;
        const rate = done / ((now - t0) / 1000);
        const minutesLeft = Math.ceil((total - done) / rate / 60);
        note(`evaluated ${done}/${total} images (${rate.toFixed(0)}/s, about ${minutesLeft} min left)`);
      };
      const r = evaluate(target, {
        split: o.split,
        batchSize: o.batchSize,
        scores: !!o.scores,
        onProgress,
        ...(o.dataDir ? { dataDir: o.dataDir } : {}),
      });
      if (o.scores && r.scores) writeFileAtomic(o.scores, encodeNpy(Float32Array.from(r.scores), [r.n]));
      const out = {
        model: r.model,
        nll_nats: r.nll_nats,
        bits_per_dim: r.bits_per_dim,
        estimator: r.estimator,
        binarization: r.binarization,
        split: r.split,
        n: r.n,
      };
      if (o.json) console.log(JSON.stringify(out));
      else
        console.log(
          `${out.model} on ${r.dataset} ${r.split}: ${r.nll_nats.toFixed(3)} nats = ${r.bits_per_dim.toFixed(4)} ` +
            `bits/dim (${r.estimator}, ${r.binarization} binarization, ${r.n} images)`,
        );
    });
}

interface SampleFlags {
  n: number;
  seed: number;
  out: string;
  scale: number;
  label?: number;
  code?: number;
  truncation?: number;
  drs?: number;
}

export function sampleCommand(program: Command): void {
  program
    .command("sample")
    .description("draw samples from a trained model (a translator: translate test images) and write a PNG grid")
    .argument("<run>", "run directory or .safetensors checkpoint")
    .option(
      "-n, --n <count>",
      "number of samples (a translator: test images per domain, one column each)",
      parsePositiveInt,
      64,
    )
    .option("--seed <s>", "random seed", parseNonNegativeInt, 0)
    .option("--out <file>", "PNG file to write", "samples.png")
    .option("--scale <k>", "pixel upscaling in the grid", parsePositiveInt, 2)
    .option(
      "--label <y>",
      "class of every sample (class-conditional models; default: the classes in turn)",
      parseNonNegativeInt,
    )
    .option(
      "--code <c>",
      "latent code of every sample (models trained with a categorical latent code, `codes`; default: drawn uniformly)",
      parseNonNegativeInt,
    )
    .option("--truncation <psi>", TRUNCATION_HELP, parsePositiveNumber)
    .option("--drs <gamma>", DRS_HELP, parseNumber)
    .action((target: string, o: SampleFlags) => {
      if (runCanTranslate(target)) {
        const g = translationGrid(target, { n: o.n });
        writeImageGrid(o.out, g.values, g.n, g.shape, { nrow: g.cols, scale: o.scale });
        console.log(`wrote ${g.cols} test images per domain to ${o.out}: rows a, G(a), F(G(a)), b, F(b), G(F(b))`);
        return;
      }
      const s = sample(target, {
        n: o.n,
        seed: o.seed,
        ...(o.label !== undefined ? { label: o.label } : {}),
        ...(o.code !== undefined ? { code: o.code } : {}),
        ...(o.truncation !== undefined ? { truncation: o.truncation } : {}),
        ...(o.drs !== undefined ? { rejection: o.drs } : {}),
      });
      writeImageGrid(o.out, s.values, s.n, s.shape, { scale: o.scale });
      if (s.rejection) console.log(keptText(s.rejection));
      console.log(`wrote ${s.n} samples to ${o.out} (${s.seconds.toFixed(1)} s)`);
    });
}

export function completeCommand(program: Command): void {
  program
    .command("complete")
    .description("conditional completion: keep part of each test image, sample the rest, write a grid")
    .argument("<run>", "run directory or .safetensors checkpoint of a model that can complete images")
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
        if (o.keep !== "top" && o.keep !== "left") throw new Error(`--keep must be top or left, not "${o.keep}"`);
        const g = complete(target, {
          n: o.n,
          samples: o.samples,
          keep: o.keep,
          split: o.split,
          seed: o.seed,
          ...(o.dataDir ? { dataDir: o.dataDir } : {}),
        });
        writeImageGrid(o.out, g.values, g.n, g.shape, { nrow: g.cols, scale: 2 });
        console.log(`wrote ${g.rows} images × ${o.samples} completions (${o.keep} half observed) to ${o.out}`);
      },
    );
}
