/** `deepgen embed | probe | reconstruct | interpolate`: the representation uses of latent-variable models. */
import type { Command } from "commander";
import { embed, interpolate, probe, probeTable, reconstruct } from "../app/index.js";
import { encodeNpy } from "../data/formats.js";
import { writeImageGrid } from "../data/png.js";
import { writeFileAtomic } from "../util/fs.js";
import { parseNonNegativeInt, parsePositiveInt } from "./options.js";

export function latentCommands(program: Command): void {
  program
    .command("embed")
    .description("write the latent means (encoder output) of a split as a float32 NPY array [n, latent]")
    .argument("<run>", "run directory or checkpoint of a model with a latent space")
    .option("--data <name>", "dataset (default: the run's)")
    .option("--data-dir <dir>", "where the binarized MNIST files are")
    .option("--split <name>", "train, valid or test", "test")
    .requiredOption("--out <file.npy>", "output file")
    .action((target: string, o: { data?: string; dataDir?: string; split: string; out: string }) => {
      const e = embed(target, o);
      writeFileAtomic(o.out, encodeNpy(e.values, [e.n, e.dim]));
      console.log(`wrote ${e.n} × ${e.dim} latent means to ${o.out}`);
    });

  program
    .command("probe")
    .description("linear probe: logistic regression on train embeddings, digit accuracy on test (needs MNIST labels)")
    .argument("<runs...>", "run directories or checkpoints of models with a latent space")
    .option("--data <name>", "labelled dataset to embed", "mnist-fixed")
    .option("--seed <s>", "seed of the probe's training", parseNonNegativeInt, 0)
    .option("--epochs <n>", "probe training epochs", parsePositiveInt, 30)
    .option(
      "--table",
      "one table: linear, k-NN and 100-labels-per-class accuracy beside raw pixels (several runs: always)",
    )
    .option("--k <k>", "neighbours of the k-NN reading", parsePositiveInt, 5)
    .option("--labels-per-class <m>", "labels of each digit for the few-label probe", parsePositiveInt, 100)
    .option("--json", "JSON (a line per row with --table)")
    .action(
      (
        targets: string[],
        o: {
          data: string;
          seed: number;
          epochs: number;
          table?: boolean;
          k: number;
          labelsPerClass: number;
          json?: boolean;
        },
      ) => {
        if (targets.length === 1 && !o.table) {
          const r = probe(targets[0]!, o);
          console.log(
            o.json
              ? JSON.stringify(r)
              : `linear probe on ${r.latent}-d latent means of ${r.model} (${r.active_units} active): test ` +
                  `accuracy ${(100 * r.test_accuracy).toFixed(2)}% (train ${(100 * r.train_accuracy).toFixed(2)}%)`,
          );
          return;
        }
        const rows = probeTable(targets, o);
        if (o.json) for (const r of rows) console.log(JSON.stringify(r));
        else {
          const pct = (x: number): string => `${(100 * x).toFixed(2)}%`.padStart(8);
          const m = rows[0]!.labels_per_class;
          console.log(`representation on ${o.data} (test accuracy)       dim active   linear  ${o.k}-NN   ${m}/class`);
          for (const r of rows)
            console.log(
              `${`${r.representation}${r.model ? ` (${r.model})` : ""}`.padEnd(40)} ${String(r.dim).padStart(5)} ` +
                `${String(r.active_units ?? "–").padStart(6)} ` +
                `${pct(r.linear_accuracy)} ${pct(r.knn_accuracy)} ${pct(r.few_label_accuracy)}`,
            );
          console.log("active: dimensions whose mean over the test images varies by more than 10⁻² (Burda et al.)");
        }
      },
    );

  program
    .command("reconstruct")
    .description("grid of test images (top rows) and their reconstructions through the latent means (bottom rows)")
    .argument("<run>", "run directory or checkpoint")
    .option("-n, --n <count>", "images", parsePositiveInt, 16)
    .option("--data-dir <dir>", "where the binarized MNIST files are")
    .option("--out <file>", "PNG file", "reconstructions.png")
    .action((target: string, o: { n: number; dataDir?: string; out: string }) => {
      const g = reconstruct(target, o);
      writeImageGrid(o.out, g.values, g.n, g.shape, { nrow: g.n / 2, scale: 2 });
      console.log(`wrote ${g.n / 2} test images and their reconstructions to ${o.out}`);
    });

  program
    .command("interpolate")
    .description("decode a straight line between the latent means of two test images")
    .argument("<run>", "run directory or checkpoint of a model with a latent space and a decoder")
    .option("--from <i>", "index of the first test image", parseNonNegativeInt, 0)
    .option("--to <j>", "index of the second test image", parseNonNegativeInt, 1)
    .option("--steps <k>", "images along the line, ends included", parsePositiveInt, 10)
    .option("--data-dir <dir>", "where the binarized MNIST files are")
    .option("--out <file>", "PNG file", "interpolation.png")
    .action((target: string, o: { from: number; to: number; steps: number; dataDir?: string; out: string }) => {
      const g = interpolate(target, o);
      writeImageGrid(o.out, g.values, g.n, g.shape, { nrow: g.n, scale: 2 });
      console.log(`wrote a ${g.n}-step interpolation between test images ${o.from} and ${o.to} to ${o.out}`);
    });
}
