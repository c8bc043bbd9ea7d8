/** `deepgen anomaly ood`: out-of-distribution detection by −log p(x) and three corrections, turned into AUROC. */
import type { Command } from "commander";
import { ood, type OodResult } from "../app/index.js";
import { note, parseNonNegativeInt, parsePositiveInt, parsePositiveNumber } from "./options.js";

const pct = (x: number): string => (100 * x).toFixed(1);

interface OodFlags {
  model: string;
  in: string;
  out: string;
  binarized?: boolean;
  config?: string;
  epochs?: number;
  seed?: number;
  runs: string;
  dataDir?: string;
  noise?: number;
  limit?: number;
  trainImages?: number;
  maxSteps?: number;
  figures?: string;
  json?: boolean;
}

function print(r: OodResult): void {
  console.log(
    `OOD ${r.in} (in) → ${r.out} (out, positive), ${r.model}, ${r.n_in} + ${r.n_out} test images, ` +
      `estimator ${r.estimator}, background noise μ = ${r.noise}:`,
  );
  console.log("score              AUROC %  AUPRC %  FPR@95%TPR %  mean in     mean out");
  const num = (x: number, w: number) => x.toFixed(1).padStart(w);
  for (const row of r.rows)
    console.log(
      `${row.score.padEnd(17)} ${pct(row.auroc).padStart(7)}  ${pct(row.auprc).padStart(7)}  ` +
        `${pct(row.fpr_at_95_tpr).padStart(12)}  ${num(row.mean_in, 9)}  ${num(row.mean_out, 9)}`,
    );
  for (const row of r.rows) console.log(`  ${row.score}: ${row.description}`);
  console.log(`typicality: ${r.typicality} (${r.train_nll_images} images, mean ${r.train_nll_nats.toFixed(2)} nats)`);
  console.log(`complexity: ${r.complexity}`);
  console.log(`histograms (panels ${r.histogram_panels.join(", ")}; blue in, orange out): ${r.histograms_png}`);
  console.log(`top-16 most anomalous per score: ${r.rows.map((x) => x.top16_png).join(", ")}`);
}

export function oodCommand(anomaly: Command): void {
  anomaly
    .command("ood")
    .description("train on one dataset, score test images of it and of another by −log p(x) and corrections; AUROC")
    .requiredOption("--model <name>", "a model with an exact likelihood (see `deepgen models`)")
    .option("--in <name>", "in-distribution dataset (training and negatives)", "fashion-mnist")
    .option("--out <name>", "out-of-distribution dataset (positives)", "mnist")
    .option("--binarized", "use both datasets' fixed binarizations (<name>-fixed)")
    .option("--config <file|json>", "model options and training settings for both runs")
    .option("--epochs <n>", "epochs of each run", parsePositiveInt)
    .option("--seed <s>", "random seed", parseNonNegativeInt)
    .option("--runs <dir>", "where the model and background runs live (finished ones are read)", "runs")
    .option("--data-dir <dir>", "data directory (binarized MNIST, fashion-mnist/)")
    .option(
      "--noise <mu>",
      "background data: chance a value is perturbed (default 0.2 8-bit, 0.1 binary)",
      parsePositiveNumber,
    )
    .option("--limit <n>", "test images per set (default all)", parsePositiveInt)
    .option("--train-images <n>", "training images whose mean NLL centres typicality", parsePositiveInt, 2000)
    .option("--max-steps <n>", "train each run up to step n only (a run already there is used as is)", parsePositiveInt)
    .option("--figures <dir>", "folder for histograms.png and top16-<score>.png (default under --runs)")
    .option("--json", "JSON on stdout (AUROC as a fraction)")
    .action(async (o: OodFlags) => {
      const r = await ood({ ...o, onStage: note, hooks: { onNotice: note } });
      if (o.json) console.log(JSON.stringify(r));
      else print(r);
    });
}
