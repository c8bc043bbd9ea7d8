/** `deepgen anomaly one-class`: one-class anomaly detection, turned into AUROC per class. */
import { InvalidArgumentError, type Command } from "commander";
import {
  ONE_CLASS_DEFAULTS,
  ONE_CLASS_SCORES,
  oneClass,
  oneClassPlan,
  parseClasses,
  type OneClassScore,
} from "../app/index.js";
import { loadQueue } from "./queue-lazy.js";
import { oodCommand } from "./anomaly-ood.js";
import { reportEnqueued, retryOptions, withQueueFlags, type QueueFlags } from "./jobs.js";
import { note, parseNonNegativeInt, parsePositiveInt } from "./options.js";

function parseScore(v: string): OneClassScore {
  if (!(v in ONE_CLASS_SCORES))
    throw new InvalidArgumentError(`expected ${Object.keys(ONE_CLASS_SCORES).join(", ")}, got "${v}"`);
  return v as OneClassScore;
}

function parseFraction(v: string): number {
  const x = Number(v);
  if (!(x > 0 && x < 1)) throw new InvalidArgumentError(`expected a number in (0, 1), got "${v}"`);
  return x;
}

function parseSplit(v: string): "valid" | "test" {
  if (v !== "valid" && v !== "test") throw new InvalidArgumentError(`expected valid or test, got "${v}"`);
  return v;
}

/** `--seeds 0,1,2`: distinct non-negative integers. */
function parseSeeds(v: string): number[] {
  const seeds = v.split(",").map((p) => p.trim());
  if (!seeds.every((p) => /^\d+$/.test(p))) throw new InvalidArgumentError(`expected seeds such as 0,1,2, got "${v}"`);
  if (new Set(seeds.map(Number)).size !== seeds.length) throw new InvalidArgumentError(`"${v}" repeats a seed`);
  return seeds.map(Number);
}

/** The seeds of a run: `--seeds`, else `--ensemble S` = seed, seed+1, …, seed+S−1, else the one `--seed`. */
export function seedsOf(o: { seed?: number; seeds?: number[]; ensemble?: number }): number[] | undefined {
  if (o.seeds && o.ensemble) throw new InvalidArgumentError("give --seeds or --ensemble, not both");
  if (o.ensemble) return Array.from({ length: o.ensemble }, (_, i) => (o.seed ?? 0) + i);
  return o.seeds;
}

const seedNote = (seeds: number[]): string =>
  seeds.length > 1 ? `, mean score of ${seeds.length} runs, seeds ${seeds.join(",")}` : "";

const pct = (x: number): string => (100 * x).toFixed(1);

export function anomalyCommand(program: Command): void {
  const anomaly = program.command("anomaly").description("anomaly detection with density models, scored by AUROC");
  oodCommand(anomaly);
  withQueueFlags(anomaly.command("one-class"))
    .description("train on one digit class, score the whole test set (input complexity); AUROC per class and the mean")
    .requiredOption(
      "--model <name>",
      "a model with a likelihood (see `deepgen models`), or several joined by commas (their scores, standardized on " +
        "each class's training images, averaged)",
    )
    .option("--classes <list>", "digits treated as normal, e.g. 0-9 or 3,5", "0-9")
    .option("--data <name>", "labelled dataset (default: the one-class recipe's, else mnist-fixed)")
    .option("--config <file|json>", "model options and training settings for every run")
    .option("--epochs <n>", "epochs per class", parsePositiveInt)
    .option("--seed <s>", "random seed", parseNonNegativeInt)
    .option("--seeds <list>", "an ensemble per class: one run per seed (e.g. 0,1,2), their scores averaged", parseSeeds)
    .option("--ensemble <S>", "an ensemble of S runs per class, seeds --seed … --seed + S − 1", parsePositiveInt)
    .option("--runs <dir>", "where the per-class runs live (finished ones are read, not retrained)", "runs")
    .option("--data-dir <dir>", "data directory for datasets read from one (default: $DEEPGEN_DATA_DIR or ./data)")
    .option(
      "--score <name>",
      "complexity (−log₂ p(x) − PNG bits), nll (−log p(x)) or likelihood-ratio (vs a noise-trained background)",
      parseScore,
      ONE_CLASS_DEFAULTS.score,
    )
    .option("--split <name>", "test, or valid (all ten digits) to choose a configuration", parseSplit, "test")
    .option(
      "--binarizations <n>",
      "score the mean over n fresh binarizations of the 8-bit images (0: the stored images)",
      parseNonNegativeInt,
      ONE_CLASS_DEFAULTS.binarizations,
    )
    .option("--noise <mu>", "the background's training pixels flipped with probability mu", parseFraction)
    .option("--json", "JSON on stdout (AUROC as a fraction)")
    .action(
      async (
        o: QueueFlags & {
          model: string;
          classes: string;
          data?: string;
          config?: string;
          epochs?: number;
          seed?: number;
          seeds?: number[];
          ensemble?: number;
          runs: string;
          dataDir?: string;
          score: OneClassScore;
          split: "valid" | "test";
          binarizations: number;
          noise?: number;
          json?: boolean;
        },
      ) => {
        if (o.queue) {
          const url = o.queue;
          const plan = oneClassPlan({ ...o, classes: parseClasses(o.classes), seeds: seedsOf(o) });
          const { enqueueTrain } = await loadQueue();
          await reportEnqueued(url, await Promise.all(plan.map((s) => enqueueTrain(url, s, retryOptions(o)))), o);
          note("once the runs finish, the same command without --queue scores them");
          return;
        }
        const r = await oneClass({
          ...o,
          classes: parseClasses(o.classes),
          seeds: seedsOf(o),
          onClass: (d, i, n) => note(`[${i + 1}/${n}] digit ${d}`),
          onRow: (row) => note(`digit ${row.digit}: AUROC ${pct(row.auroc)} % (${row.run_dir})`),
          hooks: { onNotice: note },
        });
        if (o.json) {
          console.log(JSON.stringify(r));
          return;
        }
        console.log(
          `one-class ${r.data}, ${r.model} (${r.recipe} recipe${seedNote(r.seeds)}), ` +
            `score ${r.score} (${r.rows[0]?.estimator ?? "?"}) on ${r.images}:`,
        );
        console.log("digit  AUROC %  AUPRC %  FPR@95%TPR %");
        for (const row of r.rows)
          console.log(
            `${String(row.digit).padStart(5)}  ${pct(row.auroc).padStart(7)}  ${pct(row.auprc).padStart(7)}  ` +
              `${pct(row.fpr_at_95_tpr).padStart(11)}`,
          );
        console.log(`mean AUROC ${pct(r.mean_auroc)} %`);
      },
    );
}
