/**
 * The Trainer: epochs of training steps, validation after each epoch, early stopping on the validation score, the best
 * weights kept, metrics as JSON lines, a clean stop on request (an AbortSignal) and exact resume: batch order and
 * binarization are functions of (seed, epoch, batch), and the model's random stream, every optimizer and the weights
 * are restored from last.safetensors, so an interrupted and resumed run ends bitwise identical.
 *
 * One training step is one call of `trainStep`: every phase the model declares (one for likelihood models; e.g. k
 * discriminator updates and a generator update for a two-player game), each with its own optimizer. The Trainer
 * prints nothing: progress and metrics go to the hooks.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { batchCount, batches } from "../data/loader.js";
import type { Dataset } from "../data/datasets.js";
import { hasDensity, isScorer, type GenerativeModel, type StepContext, type Trainable } from "../models/base.js";
import type { TrainingPhase } from "../models/base.js";
import type { Recipe } from "../models/recipe.js";
import { evaluateNll } from "../eval/likelihood.js";
import type { Optimizer } from "../optim/optimizer.js";
import { clipGradNorm } from "../optim/clip.js";
import { forRun, makeSchedule, spansRun, type Schedule } from "../optim/schedule.js";
import { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { loadLast, saveLast, saveWeights, type TrainerPosition } from "./checkpoint.js";
import { readSafetensors } from "./safetensors.js";
import { WeightAverage } from "./weight-average.js";
import { writeFileAtomic } from "../util/fs.js";
import { addL1, addWeightDecay, makeOptimizer, phaseBetas } from "./optimizers.js";

export { addL1, addWeightDecay, makeOptimizer, phaseBetas } from "./optimizers.js";

export interface StepProgress {
  epoch: number;
  /** batches done in this epoch */
  batch: number;
  batchesPerEpoch: number;
  step: number;
  loss: number;
}

export interface TrainerHooks {
  /** an epoch begins (or resumes at `batch`) */
  onEpochStart?(epoch: number, batch: number, batchesPerEpoch: number): void;
  /** after every training step */
  onStep?(p: StepProgress): void;
  /** an epoch ends (before its metrics) */
  onEpochEnd?(epoch: number): void;
  /** every metrics record (also appended to metrics.jsonl) */
  onMetrics?(m: Record<string, unknown>): void;
}

export interface TrainerOptions extends TrainerHooks {
  model: GenerativeModel & Trainable;
  dataset: Dataset;
  runDir: string;
  training: Recipe;
  seed: number;
  resume?: boolean;
  /** stop after this many training steps in this session (saving the position), e.g. smoke runs */
  maxSteps?: number;
  /** requests a clean stop after the current step, saving the position (what Ctrl-C does) */
  signal?: AbortSignal;
  /** also save the position every this many seconds inside an epoch (default 60; 0: only at epoch ends) */
  checkpointSeconds?: number;
  /**
   * Stop as diverged when the validation NLL exceeds this (nats per image; e.g. twice the uniform model's), or
   * rises for `divergencePatience` epochs in a row above the best.
   */
  divergenceNll?: number;
  divergencePatience?: number;
}

export type TrainStatus = "finished" | "early-stopped" | "interrupted" | "paused" | "diverged";

export interface TrainSummary {
  status: TrainStatus;
  epochs: number;
  steps: number;
  bestValidNll: number;
  bestEpoch: number;
  seconds: number;
  /** why the run diverged, for status "diverged" */
  reason?: string;
}

export class DivergenceError extends Error {}

/** The random stream of `Trainable.recalibrate` after epoch e: `Generator.derive(seed, RECALIBRATION_STREAM, e)`. */
export const RECALIBRATION_STREAM = 0x626e;

/** Removes temporary files left by a write that was killed before its rename. */
export function cleanTemporaryFiles(runDir: string): string[] {
  if (!existsSync(runDir)) return [];
  const stale = readdirSync(runDir).filter((f) => /\.tmp-\d+$/.test(f));
  for (const f of stale) rmSync(path.join(runDir, f), { force: true });
  return stale;
}

/** Keeps only the metrics records of epochs before `epoch` (a resumed run re-runs the epochs after its position). */
function truncateMetrics(file: string, epoch: number): void {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => {
      if (!line.trim()) return false;
      try {
        return (JSON.parse(line) as { epoch?: number }).epoch! < epoch;
      } catch {
        return false; // a line cut short by a kill
      }
    });
  writeFileAtomic(file, kept.length ? kept.join("\n") + "\n" : "");
}

export class Trainer {
  readonly phases: TrainingPhase[];
  readonly optimizers: Optimizer[];
  readonly schedule: Schedule;
  /** the moving average of the weights, when the recipe sets `ema` */
  readonly average: WeightAverage | null;
  #interrupted = false;

  constructor(readonly o: TrainerOptions) {
    this.phases = o.model.trainingPhases();
    const names = this.phases.map((p) => p.name);
    this.optimizers = this.phases.map((p) =>
      makeOptimizer(p.parameters, o.training, p.lrFactor, phaseBetas(o.training, p.name, names)),
    );
    // a schedule without its own total spans the run (fit records it so in config.json)
    const spec = o.training.schedule ?? { kind: "constant" };
    const runSteps = () => o.training.epochs * batchCount(o.dataset.split("train").n, o.training.batchSize);
    this.schedule = makeSchedule(spansRun(spec) ? forRun(spec, runSteps()).spec : spec);
    this.average = o.training.ema ? averageOf(o.model, this.phases, o.training.ema) : null;
  }

  /** The first phase's optimizer (the only one of likelihood models). */
  get optimizer(): Optimizer {
    return this.optimizers[0]!;
  }

  /**
   * The learning rates an epoch record reports: `lr`, the recipe's scheduled rate, and — where a phase steps at a
   * multiple of it (two time-scale updates) — `phase_lr`, each phase's own rate by its name.
   */
  rates(): { lr: number; phase_lr?: Record<string, number> } {
    const lr = this.optimizer.lr / (this.phases[0]!.lrFactor ?? 1);
    if (this.phases.every((p) => (p.lrFactor ?? 1) === 1)) return { lr };
    return { lr, phase_lr: Object.fromEntries(this.phases.map((p, i) => [p.name, this.optimizers[i]!.lr])) };
  }

  /** Requests a clean stop after the current step. */
  interrupt(): void {
    this.#interrupted = true;
  }

  private metrics(m: Record<string, unknown>): void {
    appendFileSync(path.join(this.o.runDir, "metrics.jsonl"), JSON.stringify(m) + "\n");
    this.o.onMetrics?.(m);
  }

  /** One training step: every phase, each `repeat` times; returns each phase's last loss. */
  trainStep(x: Tensor, ctx: StepContext): number[] {
    const { training: r } = this.o;
    return this.phases.map((phase, p) => {
      const opt = this.optimizers[p]!;
      opt.lr = r.lr * (phase.lrFactor ?? 1) * this.schedule(ctx.step);
      let value = NaN;
      for (let k = 0; k < (phase.repeat ?? 1); k++) {
        const loss = phase.loss(x, ctx);
        opt.zeroGrad(true); // the last step's gradients are dead: their memory serves this backward
        loss.backward({ releaseActivations: true }); // nothing here keeps the graph: its memory serves the next step
        if (r.clipNorm) clipGradNorm(opt.params, r.clipNorm);
        if (r.decayBiases === false) addWeightDecay(opt.params, r.weightDecay ?? 0);
        if (r.l1) addL1(opt.params, r.l1);
        opt.step();
        phase.afterUpdate?.(x, ctx);
        value = loss.item();
        if (!Number.isFinite(value))
          throw new DivergenceError(
            `training diverged at epoch ${ctx.epoch}, step ${ctx.step} (phase "${phase.name}"): loss ${value}; ` +
              `lower the learning rate or set clipNorm in the training settings`,
          );
      }
      return value;
    });
  }

  private initialPosition(gen: Generator): TrainerPosition {
    const opts = this.optimizers.map((o) => ({ kind: o.kind, lr: o.lr, stepCount: 0 }));
    return {
      epoch: 0,
      batch: 0,
      step: 0,
      bestValid: Infinity,
      bestEpoch: -1,
      epochsWithoutImprovement: 0,
      generator: gen.getState(),
      optimizer: opts[0]!,
      ...(opts.length > 1 ? { optimizers: opts } : {}),
      trainLossSum: 0,
      trainBatches: 0,
    };
  }

  async run(): Promise<TrainSummary> {
    const { model, dataset, runDir, training: r } = this.o;
    mkdirSync(runDir, { recursive: true });
    cleanTemporaryFiles(runDir);
    const lastFile = path.join(runDir, "last.safetensors"),
      bestFile = path.join(runDir, "best.safetensors"),
      metricsFile = path.join(runDir, "metrics.jsonl");
    const gen = new Generator(Generator.derive(this.o.seed, 0x6d6f64).uint32(2)[0]!); // the model's own stream
    let pos = this.initialPosition(gen);
    if (this.o.resume && existsSync(lastFile)) {
      pos = loadLast(lastFile, model, this.optimizers);
      gen.setState(pos.generator);
      this.average?.load(readSafetensors(lastFile).tensors);
    }
    truncateMetrics(metricsFile, pos.epoch);
    const train = dataset.split("train"),
      valid = dataset.split("valid");
    const perEpoch = batchCount(train.n, r.batchSize);
    const onAbort = (): void => this.interrupt();
    this.o.signal?.addEventListener("abort", onAbort);
    if (this.o.signal?.aborted) this.interrupt();
    const t0 = Date.now();
    let stepsThisSession = 0,
      lastSave = Date.now();
    const save = (): void => {
      pos.generator = gen.getState();
      const opts = this.optimizers.map((o) => ({ kind: o.kind, lr: o.lr, stepCount: o.stepCount }));
      pos.optimizer = opts[0]!;
      if (opts.length > 1) pos.optimizers = opts;
      saveLast(lastFile, model, this.optimizers, pos, this.average?.tensors());
      lastSave = Date.now();
    };
    const everyMs = (this.o.checkpointSeconds ?? 60) * 1000;
    try {
      model.train();
      while (pos.epoch < r.epochs) {
        this.o.onEpochStart?.(pos.epoch, pos.batch, perEpoch);
        for (const b of batches(train, {
          batchSize: r.batchSize,
          seed: this.o.seed,
          epoch: pos.epoch,
          dynamic: dataset.binarization === "dynamic",
          startBatch: pos.batch,
        })) {
          const losses = this.trainStep(b.x, { generator: gen, step: pos.step, epoch: pos.epoch, labels: b.labels });
          pos.trainLossSum += losses[0]!;
          pos.trainBatches++;
          pos.batch++;
          pos.step++;
          this.average?.update(pos.step);
          stepsThisSession++;
          this.o.onStep?.({
            epoch: pos.epoch,
            batch: pos.batch,
            batchesPerEpoch: perEpoch,
            step: pos.step,
            loss: losses[0]!,
          });
          await new Promise((res) => setImmediate(res)); // lets an abort (Ctrl-C) through
          const paused = this.o.maxSteps !== undefined && stepsThisSession >= this.o.maxSteps;
          if (this.#interrupted || paused) {
            save();
            this.o.onEpochEnd?.(pos.epoch);
            return this.summary(this.#interrupted ? "interrupted" : "paused", pos, t0);
          }
          if (everyMs > 0 && Date.now() - lastSave > everyMs) save();
        }
        this.o.onEpochEnd?.(pos.epoch);
        const stop = this.endEpoch(pos, t0, bestFile, valid);
        pos.epoch++;
        pos.batch = 0;
        pos.trainLossSum = 0;
        pos.trainBatches = 0;
        save();
        if (stop) return stop;
      }
      return this.summary("finished", pos, t0);
    } finally {
      this.o.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Validation, best checkpoint, metrics record; a summary when the run must stop here. */
  private endEpoch(
    pos: TrainerPosition,
    t0: number,
    bestFile: string,
    valid: ReturnType<Dataset["split"]>,
  ): TrainSummary | null {
    const { model, training: r } = this.o;
    const avg = this.average;
    const validate = () =>
      isScorer(model) ? evaluateNll(model, valid, { seed: this.o.seed, validation: true }) : null;
    // the average in, with the buffers that depend on the weights recomputed for it (the same noise each time)
    const withAverage = <T>(f: () => T): T =>
      avg!.withAverage(() => {
        model.recalibrate?.(Generator.derive(this.o.seed, RECALIBRATION_STREAM, pos.epoch));
        return f();
      });
    // with averaging, the average is what is validated and kept; the raw weights' score is recorded beside it
    // with validEvery k, the epochs between validations keep the best checkpoint and count towards patience
    const skipped = isScorer(model) && (pos.epoch + 1) % (r.validEvery ?? 1) !== 0 && pos.epoch + 1 < r.epochs;
    const v = !isScorer(model) || skipped ? null : avg ? withAverage(validate) : validate();
    const raw = avg && v ? validate() : null;
    model.train();
    const trainLoss = pos.trainLossSum / Math.max(pos.trainBatches, 1);
    const score = v ? v.nll_nats : trainLoss;
    const improved = !skipped && (score < pos.bestValid || !v);
    // a one-phase density model's loss is −log p (or its bound) in nats per image; other losses have no bits/dim
    const lossIsNll = this.phases.length === 1 && hasDensity(model);
    const record = {
      epoch: pos.epoch,
      step: pos.step,
      train_loss: trainLoss,
      train_bits_per_dim: lossIsNll ? trainLoss / (valid.dim * Math.LN2) : null,
      ...(v ? { valid_nll_nats: v.nll_nats, valid_bits_per_dim: v.bits_per_dim, estimator: v.estimator } : {}),
      ...(raw ? { raw_valid_nll_nats: raw.nll_nats } : {}),
      ...this.rates(),
      seconds: (Date.now() - t0) / 1000,
      best: improved,
    };
    const rising = !improved && pos.epochsWithoutImprovement + 1 >= (this.o.divergencePatience ?? Infinity);
    const exploded = this.o.divergenceNll !== undefined && v !== null && !(v.nll_nats <= this.o.divergenceNll);
    if (improved && !exploded) {
      pos.bestValid = score;
      pos.bestEpoch = pos.epoch;
      pos.epochsWithoutImprovement = 0;
      // without a validation score every epoch is kept as best, labelled with its training loss, not as a valid NLL
      const meta = {
        epoch: String(pos.epoch),
        ...(v ? { valid_nll_nats: String(score), estimator: v.estimator } : { train_loss: String(score) }),
      };
      if (avg) withAverage(() => saveWeights(bestFile, model, { ...meta, weights: "ema" }));
      else saveWeights(bestFile, model, meta);
    } else pos.epochsWithoutImprovement++;
    this.metrics(record);
    if (exploded)
      return {
        ...this.summary("diverged", pos, t0),
        reason:
          `validation NLL ${v!.nll_nats.toFixed(1)} nats is far above the uniform model's ` +
          `(limit ${this.o.divergenceNll!.toFixed(1)})`,
      };
    if (rising && v)
      return {
        ...this.summary("diverged", pos, t0),
        reason:
          `validation NLL rose for ${pos.epochsWithoutImprovement} epochs ` +
          `above its best (${pos.bestValid.toFixed(2)})`,
      };
    if (r.patience !== undefined && !skipped && pos.epochsWithoutImprovement >= r.patience)
      return this.summary("early-stopped", pos, t0);
    return null;
  }

  private summary(status: TrainStatus, pos: TrainerPosition, t0: number): TrainSummary {
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

/**
 * The moving average of every parameter that some training phase updates, named as in the model's state dict; the
 * model's buffers are kept aside while the average is in.
 */
function averageOf(model: GenerativeModel, phases: readonly TrainingPhase[], decay: number): WeightAverage {
  const trained = new Set(phases.flatMap((p) => p.parameters));
  const named = model.namedParameters().filter(([, p]) => trained.has(p));
  return new WeightAverage(
    named.map(([n]) => n),
    named.map(([, p]) => p),
    decay,
    model.namedBuffers().map(([, b]) => b),
  );
}
