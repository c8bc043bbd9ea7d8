/** `deepgen train <model>`: train with the model's recipe (overridable), keep the best weights, report test NLL. */
import type { Command } from "commander";
import { mkdirSync } from "node:fs";
import { evaluateNll } from "../eval/likelihood.js";
import { loadWeights, saveWeights, writeConfig } from "../train/checkpoint.js";
import type { Split } from "../data/datasets.js";
import { Generator } from "../tensor/rng.js";
import { Trainer } from "../train/trainer.js";
import { parseNonNegativeInt, parsePositiveInt, parsePositiveNumber } from "./options.js";
import { prepareRun, type TrainFlags } from "./run-setup.js";
import path from "node:path";
import { getNumThreads } from "../backend/registry.js";

export function trainCommand(program: Command): void {
  program
    .command("train")
    .description(
      "train a model (see `deepgen models`); writes config.json, best/last.safetensors and metrics.jsonl to the run directory",
    )
    .argument("<model>", "model name")
    .option("--config <file>", 'JSON with model options and training settings: {"options": {…}, "training": {…}}')
    .option("--data <name>", "dataset (default: the model's recipe; see `deepgen data`)")
    .option("--data-dir <dir>", "directory with the binarized MNIST files (default: $DEEPGEN_DATA_DIR or ./data)")
    .option("--epochs <n>", "epochs", parsePositiveInt)
    .option("--batch-size <n>", "minibatch size", parsePositiveInt)
    .option("--lr <x>", "learning rate", parsePositiveNumber)
    .option("--seed <s>", "random seed (batches, binarization, initialisation)", parseNonNegativeInt)
    .option("--out <dir>", "run directory (default: runs/<model>-<time>)")
    .option("--resume", "continue the run in --out from its last.safetensors")
    .option("--json", "metrics as JSON lines on stdout (progress goes to stderr)")
    .option("--no-progress", "no progress bar")
    .action(async (name: string, f: TrainFlags & { json?: boolean; progress: boolean }) => {
      const run = prepareRun(name, f);
      mkdirSync(run.runDir, { recursive: true });
      const say = (s: string): void => {
        if (!f.json) console.log(s);
      };
      const t = run.config.training;
      say(
        `training ${name} (${run.model.parameterCount().toLocaleString("en-US")} parameters) on ${run.config.dataset} for ${t.epochs} epochs, batch ${t.batchSize}, lr ${t.lr}, seed ${run.config.seed}, ${getNumThreads()} threads`,
      );
      say(`run directory: ${run.runDir}`);
      const closed = run.model as unknown as {
        fitClosedForm?: (s: Split, g: Generator) => void;
        freeParameters?: () => bigint;
      };
      if (typeof closed.fitClosedForm === "function") {
        // closed form (counting, eigenvectors): fit, save, evaluate
        const tr = run.dataset.split("train"),
          t0 = Date.now();
        closed.fitClosedForm(tr, Generator.derive(run.config.seed, 2));
        const v = evaluateNll(run.model, run.dataset.split("valid"));
        saveWeights(path.join(run.runDir, "best.safetensors"), run.model, {
          epoch: "0",
          valid_nll_nats: String(v.nll_nats),
          estimator: v.estimator,
        });
        const test = evaluateNll(run.model, run.dataset.split("test"));
        const result = {
          model: name,
          nll_nats: test.nll_nats,
          bits_per_dim: test.bits_per_dim,
          estimator: test.estimator,
          binarization: run.dataset.binarization,
          split: "test",
          n: test.n,
          valid_nll_nats: v.nll_nats,
          free_parameters: (closed.freeParameters?.() ?? BigInt(run.model.stateDict().size)).toString(),
          train_seconds: (Date.now() - t0) / 1000,
        };
        run.config.metrics = result;
        writeConfig(run.runDir, run.config);
        if (f.json) console.log(JSON.stringify(result));
        else
          say(
            `fitted in closed form in ${result.train_seconds.toFixed(1)} s: valid ${v.nll_nats.toFixed(2)}, test ${test.nll_nats.toFixed(2)} nats (exact), ${result.free_parameters} free parameters`,
          );
        return;
      }
      const trainer = new Trainer({
        model: run.model,
        dataset: run.dataset,
        runDir: run.runDir,
        training: t,
        seed: run.config.seed,
        resume: f.resume,
        progress: f.progress,
        onMetrics: (m) =>
          f.json
            ? console.log(JSON.stringify(m))
            : say(
                `epoch ${m.epoch}: train ${Number(m.train_loss).toFixed(3)}, valid ${Number(m.valid_nll_nats).toFixed(3)} nats (${m.estimator}) ${m.best ? "★ best" : ""}  [${Number(m.seconds).toFixed(0)} s]`,
              ),
      });
      const s = await trainer.run();
      if (s.status === "interrupted") {
        process.stderr.write(
          `interrupted at step ${s.steps}; position saved to ${path.join(run.runDir, "last.safetensors")}. Continue with: deepgen train ${name} --out ${run.runDir} --resume\n`,
        );
        process.exitCode = 130;
        return;
      }
      if (s.bestEpoch < 0) return;
      loadWeights(path.join(run.runDir, "best.safetensors"), run.model);
      const test = evaluateNll(run.model, run.dataset.split("test"), { seed: run.config.seed });
      const result = {
        model: name,
        nll_nats: test.nll_nats,
        bits_per_dim: test.bits_per_dim,
        estimator: test.estimator,
        binarization: run.dataset.binarization,
        split: "test",
        n: test.n,
        best_epoch: s.bestEpoch,
        status: s.status,
        train_seconds: s.seconds,
      };
      run.config.metrics = result;
      writeConfig(run.runDir, run.config);
      if (f.json) console.log(JSON.stringify(result));
      else
        say(
          `${s.status} after ${s.epochs} epochs (${s.seconds.toFixed(0)} s); best epoch ${s.bestEpoch}. test NLL ${test.nll_nats.toFixed(2)} nats = ${test.bits_per_dim.toFixed(4)} bits/dim (${test.estimator}, ${run.dataset.binarization} binarization, ${test.n} images)`,
        );
    });
}
