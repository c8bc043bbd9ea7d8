/** `deepgen train <model>`: parse flags, call the `fit` operation, print its progress and result. */
import type { Command } from "commander";
import path from "node:path";
import { fit, type RunSpec } from "../app/index.js";
import { loadQueue } from "./queue-lazy.js";
import { reportEnqueued, retryOptions, withQueueFlags, type QueueFlags } from "./jobs.js";
import { note, parseNumber } from "./options.js";
import { Progress } from "./progress.js";

export interface TrainFlags extends QueueFlags {
  config?: string;
  recipe?: string;
  data?: string;
  dataDir?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  out?: string;
  resume?: boolean;
  init?: string;
  maxSteps?: number;
  json?: boolean;
  progress: boolean;
}

export function runSpec(name: string, f: TrainFlags): RunSpec {
  const training = {
    ...(f.data !== undefined ? { dataset: f.data } : {}),
    ...(f.epochs !== undefined ? { epochs: f.epochs } : {}),
    ...(f.batchSize !== undefined ? { batchSize: f.batchSize } : {}),
    ...(f.lr !== undefined ? { lr: f.lr } : {}),
  };
  return {
    model: name,
    training,
    ...(f.recipe ? { recipe: f.recipe } : {}),
    ...(f.config !== undefined ? { config: f.config } : {}),
    ...(f.dataDir !== undefined ? { dataDir: f.dataDir } : {}),
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(f.out !== undefined ? { out: f.out } : {}),
    ...(f.resume ? { resume: true } : {}),
    ...(f.init !== undefined ? { init: f.init } : {}),
    ...(f.maxSteps !== undefined ? { maxSteps: f.maxSteps } : {}),
  };
}

const fmt = (v: unknown, d: number): string => Number(v).toFixed(d);

/** The flags that make a RunSpec (`runSpec` reads them), shared by `train` and `sweep`. */
export function withRunSpecFlags(cmd: Command): Command {
  return cmd
    .argument("<model>", "model name")
    .option("--config <file|json>", 'model options and training settings: {"options": {…}, "training": {…}}')
    .option(
      "--recipe <name>",
      "start from one of the model's recipes: default, full, short or its own (listed by `deepgen models <model>`)",
      "default",
    )
    .option("--data <name>", "dataset (default: the model's recipe; see `deepgen data`)")
    .option("--data-dir <dir>", "directory with the binarized MNIST files (default: $DEEPGEN_DATA_DIR or ./data)")
    .option("--epochs <n>", "epochs", parseNumber)
    .option("--batch-size <n>", "minibatch size", parseNumber)
    .option("--lr <x>", "learning rate", parseNumber)
    .option("--seed <s>", "random seed (batches, binarization, initialisation)", parseNumber)
    .option("--max-steps <n>", "stop after n training steps, saving a checkpoint (smoke runs, profiling)", parseNumber);
}

export function trainCommand(program: Command): void {
  withRunSpecFlags(withQueueFlags(program.command("train")))
    .description("train a model (see `deepgen models`); writes config.json, best/last.safetensors and metrics.jsonl")
    .option("--out <dir>", "run directory (default: runs/<model>-<time>)")
    .option("--resume", "continue the run in --out from its last saved position")
    .option(
      "--init <run|file>",
      "start from another run's weights (the same parameter names and shapes) instead of a fresh initialisation",
    )
    .option("--json", "metrics as JSON lines on stdout (progress goes to stderr)")
    .option("--no-progress", "no progress bar")
    .action(async (name: string, f: TrainFlags) => {
      if (f.queue) {
        const { enqueueTrain } = await loadQueue();
        return reportEnqueued(f.queue, [await enqueueTrain(f.queue, runSpec(name, f), retryOptions(f))], f);
      }
      const say = (s: string): void => {
        if (!f.json) console.log(s);
      };
      const controller = new AbortController();
      const onSigint = (): void => controller.abort();
      process.on("SIGINT", onSigint);
      const ui = { bar: null as Progress | null };
      try {
        const r = await fit(runSpec(name, f), {
          signal: controller.signal,
          onNotice: note,
          onStart: (s) => {
            const t = s.training;
            say(
              `training ${s.model} (${s.parameters.toLocaleString("en-US")} parameters) on ${s.dataset} for ` +
                `${t.epochs} epochs, batch ${t.batchSize}, lr ${t.lr}, seed ${s.seed}, ${s.threads} threads`,
            );
            say(`run directory: ${s.runDir}`);
          },
          onEpochStart: (epoch, batch, total) => {
            if (!f.progress) return;
            ui.bar = new Progress(total);
            ui.bar.start(epoch, batch);
          },
          onStep: (p) => ui.bar?.update(p.batch, p.loss),
          onEpochEnd: () => ui.bar?.stop(),
          onMetrics: (m) =>
            f.json
              ? console.log(JSON.stringify(m))
              : say(
                  `epoch ${m.epoch}: train ${fmt(m.train_loss, 3)}` +
                    (m.valid_nll_nats !== undefined
                      ? `, valid ${fmt(m.valid_nll_nats, 3)} nats (${m.estimator})`
                      : "") +
                    ` ${m.best ? "★ best" : ""}  [${fmt(m.seconds, 0)} s]`,
                ),
        });
        const last = path.join(r.runDir, "last.safetensors");
        if (r.status === "interrupted") {
          note(
            `interrupted at step ${r.steps}; position saved to ${last}. Continue with: ${resumeHint(name, r.runDir)}`,
          );
          process.exitCode = 130;
          return;
        }
        if (r.status === "paused") {
          note(
            `stopped after --max-steps at step ${r.steps}; position saved to ${last}. ${resumeHint(name, r.runDir)}`,
          );
          return;
        }
        if (r.status === "diverged") {
          note(`${r.reason}; the best checkpoint (if any) is kept in ${r.runDir}. Lower the learning rate (--lr).`);
          process.exitCode = 3;
          return;
        }
        const m = r.metrics;
        if (!m) return;
        if (f.json) console.log(JSON.stringify(m));
        else if (m.free_parameters !== undefined)
          say(
            `fitted in closed form in ${m.train_seconds.toFixed(1)} s: valid ${fmt(m.valid_nll_nats, 2)}, test ` +
              `${m.nll_nats.toFixed(2)} nats (${m.estimator}), ${m.free_parameters} free parameters`,
          );
        else
          say(
            `${r.status} after ${r.epochs} epochs (${r.seconds.toFixed(0)} s); best epoch ${r.bestEpoch}. test NLL ` +
              `${m.nll_nats.toFixed(2)} nats = ${m.bits_per_dim.toFixed(4)} bits/dim (${m.estimator}, ` +
              `${m.binarization} binarization, ${m.n} images)`,
          );
      } finally {
        ui.bar?.stop();
        process.off("SIGINT", onSigint);
      }
    });
}

const resumeHint = (name: string, runDir: string): string => `deepgen train ${name} --out ${runDir} --resume`;
