/**
 * The Trainer: epochs of minibatch steps, validation after each epoch, early stopping on validation NLL, the best
 * weights kept, metrics as JSON lines, Ctrl-C saves the position and stops cleanly, and --resume continues exactly:
 * batch order and binarization are functions of (seed, epoch, batch), and the model's random stream, the optimizer
 * and the weights are restored from last.safetensors, so an interrupted and resumed run ends bitwise identical.
 */
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { batchCount, batches } from "../data/loader.js";
import type { Dataset } from "../data/datasets.js";
import type { GenerativeModel } from "../models/base.js";
import { evaluateNll } from "../eval/likelihood.js";
import { Adam, AdamW } from "../optim/adam.js";
import type { Optimizer } from "../optim/optimizer.js";
import { clipGradNorm, makeSchedule, type Schedule } from "../optim/schedule.js";
import { RMSprop, SGD } from "../optim/sgd.js";
import { Generator } from "../tensor/rng.js";
import type { Recipe } from "../models/registry.js";
import { loadLast, saveLast, saveWeights, type TrainerPosition } from "./checkpoint.js";
import { Progress } from "./progress.js";

export interface TrainerOptions {
  model: GenerativeModel;
  dataset: Dataset;
  runDir: string;
  training: Recipe;
  seed: number;
  resume?: boolean;
  /** stop after this many optimizer steps in this session (saving the position), e.g. for tests */
  maxSteps?: number;
  /** show a progress bar (plain lines when stderr is not a TTY) */
  progress?: boolean;
  /** called with every metrics record (also appended to metrics.jsonl) */
  onMetrics?: (m: Record<string, unknown>) => void;
}

export interface TrainSummary {
  status: "finished" | "early-stopped" | "interrupted" | "paused";
  epochs: number;
  steps: number;
  bestValidNll: number;
  bestEpoch: number;
  seconds: number;
}

export function makeOptimizer(model: GenerativeModel, r: Recipe): Optimizer {
  const params = model.parameters();
  switch (r.optimizer ?? "adam") {
    case "adam":
      return new Adam(params, { lr: r.lr, weightDecay: r.weightDecay ?? 0 });
    case "adamw":
      return new AdamW(params, { lr: r.lr, weightDecay: r.weightDecay ?? 1e-2 });
    case "sgd":
      return new SGD(params, { lr: r.lr, momentum: 0.9, weightDecay: r.weightDecay ?? 0 });
    case "rmsprop":
      return new RMSprop(params, { lr: r.lr, weightDecay: r.weightDecay ?? 0 });
  }
}

export class Trainer {
  readonly optimizer: Optimizer;
  readonly schedule: Schedule;
  #interrupted = false;

  constructor(readonly o: TrainerOptions) {
    this.optimizer = makeOptimizer(o.model, o.training);
    this.schedule = makeSchedule(o.training.schedule ?? { kind: "constant" });
  }

  /** Requests a clean stop after the current step (what Ctrl-C does). */
  interrupt(): void {
    this.#interrupted = true;
  }

  private metrics(m: Record<string, unknown>): void {
    appendFileSync(path.join(this.o.runDir, "metrics.jsonl"), JSON.stringify(m) + "\n");
    this.o.onMetrics?.(m);
  }

  async run(): Promise<TrainSummary> {
    const { model, dataset, runDir, training: r } = this.o;
    mkdirSync(runDir, { recursive: true });
    const lastFile = path.join(runDir, "last.safetensors"),
      bestFile = path.join(runDir, "best.safetensors");
    const gen = new Generator(Generator.derive(this.o.seed, 0x6d6f64).uint32(2)[0]!); // the model's own stream
    let pos: TrainerPosition = {
      epoch: 0,
      batch: 0,
      step: 0,
      bestValid: Infinity,
      bestEpoch: -1,
      epochsWithoutImprovement: 0,
      generator: gen.getState(),
      optimizer: { kind: this.optimizer.kind, lr: r.lr, stepCount: 0 },
      trainLossSum: 0,
      trainBatches: 0,
    };
    if (this.o.resume) {
      if (!existsSync(lastFile)) throw new Error(`--resume: ${lastFile} does not exist; start without --resume`);
      pos = loadLast(lastFile, model, this.optimizer);
      gen.setState(pos.generator);
    }
    const train = dataset.split("train"),
      valid = dataset.split("valid");
    const perEpoch = batchCount(train.n, r.batchSize);
    const onSigint = (): void => this.interrupt();
    process.on("SIGINT", onSigint);
    const t0 = Date.now();
    let stepsThisSession = 0;
    const bar = this.o.progress ? new Progress(perEpoch) : null;
    const save = (): void => {
      pos.generator = gen.getState();
      pos.optimizer = { kind: this.optimizer.kind, lr: this.optimizer.lr, stepCount: this.optimizer.stepCount };
      saveLast(lastFile, model, this.optimizer, pos);
    };
    try {
      model.train();
      while (pos.epoch < r.epochs) {
        bar?.start(pos.epoch, pos.batch);
        for (const b of batches(train, {
          batchSize: r.batchSize,
          seed: this.o.seed,
          epoch: pos.epoch,
          dynamic: dataset.binarization === "dynamic",
          startBatch: pos.batch,
        })) {
          this.optimizer.lr = r.lr * this.schedule(pos.step);
          const loss = model.loss(b.x, gen);
          this.optimizer.zeroGrad();
          loss.backward();
          if (r.clipNorm) clipGradNorm(this.optimizer.params, r.clipNorm);
          this.optimizer.step();
          const lv = loss.item();
          if (!Number.isFinite(lv))
            throw new Error(
              `training diverged at epoch ${pos.epoch}, step ${pos.step}: loss ${lv}; lower the learning rate (--lr) or set clipNorm in --config`,
            );
          pos.trainLossSum += lv;
          pos.trainBatches++;
          pos.batch++;
          pos.step++;
          stepsThisSession++;
          bar?.update(pos.batch, lv);
          await new Promise((res) => setImmediate(res)); // lets Ctrl-C through
          if (this.#interrupted || (this.o.maxSteps !== undefined && stepsThisSession >= this.o.maxSteps)) {
            save();
            bar?.stop();
            return this.summary(this.#interrupted ? "interrupted" : "paused", pos, t0);
          }
        }
        bar?.stop();
        const v = evaluateNll(model, valid, { seed: this.o.seed, validation: true });
        model.train();
        const improved = v.nll_nats < pos.bestValid;
        const record = {
          epoch: pos.epoch,
          step: pos.step,
          train_loss: pos.trainLossSum / Math.max(pos.trainBatches, 1),
          valid_nll_nats: v.nll_nats,
          valid_bits_per_dim: v.bits_per_dim,
          estimator: v.estimator,
          lr: this.optimizer.lr,
          seconds: (Date.now() - t0) / 1000,
          best: improved,
        };
        if (improved) {
          pos.bestValid = v.nll_nats;
          pos.bestEpoch = pos.epoch;
          pos.epochsWithoutImprovement = 0;
          saveWeights(bestFile, model, {
            epoch: String(pos.epoch),
            valid_nll_nats: String(v.nll_nats),
            estimator: v.estimator,
          });
        } else {
          pos.epochsWithoutImprovement++;
        }
        this.metrics(record);
        pos.epoch++;
        pos.batch = 0;
        pos.trainLossSum = 0;
        pos.trainBatches = 0;
        save();
        if (r.patience !== undefined && pos.epochsWithoutImprovement >= r.patience)
          return this.summary("early-stopped", pos, t0);
      }
      return this.summary("finished", pos, t0);
    } finally {
      process.off("SIGINT", onSigint);
    }
  }

  private summary(status: TrainSummary["status"], pos: TrainerPosition, t0: number): TrainSummary {
    return {
      status,
      epochs: pos.epoch,
      steps: pos.step,
      bestValidNll: pos.bestValid,
      bestEpoch: pos.bestEpoch,
      seconds: (Date.now() - t0) / 1000,
    };
  }
}
