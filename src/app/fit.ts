/**
 * `fit`: the one way a run is trained, for the CLI, the studio and the queue alike — resolve and validate the spec,
 * build the model, fit it in closed form or with the Trainer, reload the best weights, evaluate the test split and
 * record the result in config.json. Progress and results go to the hooks; nothing is printed.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { getNumThreads } from "../backend/registry.js";
import { loadDataset, type Dataset } from "../data/datasets.js";
import { batchCount } from "../data/loader.js";
import { evaluateNll } from "../eval/likelihood.js";
import { forRun } from "../optim/schedule.js";
import {
  createModel,
  hasClosedForm,
  hasDataInit,
  labelsFor,
  isScorer,
  isTrainable,
  type GenerativeModel,
  type Recipe,
} from "../models/index.js";
import { loadWeights, saveWeights, weightsFile, writeConfig } from "../train/checkpoint.js";
import { DivergenceError, Trainer, type TrainerHooks, type TrainStatus } from "../train/trainer.js";
import { Generator } from "../tensor/rng.js";
import { drainStoragePool } from "../tensor/storage.js";
import { resolveRun, type RunSpec } from "./run-spec.js";

export interface FitStart {
  runDir: string;
  model: string;
  parameters: number;
  dataset: string;
  training: Recipe;
  seed: number;
  threads: number;
  resumed: boolean;
  closedForm: boolean;
  /** the training phases' names in step order (the first one's loss is the step's reported loss); none if closed */
  phases: string[];
}

export interface FitHooks extends TrainerHooks {
  onStart?(info: FitStart): void;
  /** something the user should know that is not an error */
  onNotice?(message: string): void;
  /** the final evaluation of the test split begins */
  onTestStart?(n: number): void;
  /** requests a clean stop after the current step */
  signal?: AbortSignal;
}

/** The result of a run, as `train --json` prints it and config.json keeps it under `metrics`. */
export interface RunMetrics {
  model: string;
  nll_nats: number;
  bits_per_dim: number;
  estimator: string;
  binarization: string;
  split: "test";
  n: number;
  best_epoch?: number;
  valid_nll_nats?: number;
  free_parameters?: string;
  status?: TrainStatus;
  train_seconds: number;
}

export interface RunResult {
  runDir: string;
  status: TrainStatus;
  steps: number;
  epochs: number;
  bestEpoch: number;
  seconds: number;
  /** test-split figures, when the run finished with a scored model */
  metrics?: RunMetrics;
  /** why a run diverged */
  reason?: string;
}

/** Uniform-model NLL of the data (nats per image): ln 2 per binary value, ln 256 per 8-bit one. */
export function uniformBaseline(ds: Dataset, dim: number): number {
  return dim * (ds.binarization === "none" ? Math.log(256) : Math.LN2);
}

export async function fit(spec: RunSpec, hooks: FitHooks = {}): Promise<RunResult> {
  const r = resolveRun(spec);
  for (const n of r.notices) hooks.onNotice?.(n);
  const { config, runDir } = r;
  const dataset = loadDataset(config.dataset, spec.dataDir ?? config.dataDir);
  const train = dataset.split("train");
  config.dim = train.dim;
  config.shape = train.shape;
  const model = createModel(
    r.spec,
    config.options,
    { dim: train.dim, shape: train.shape },
    Generator.derive(config.seed, 1),
  );
  labelsFor(model, train.labels, `dataset "${config.dataset}"`); // a class-conditional model needs labels
  const resumed = !r.fresh;
  if (r.fresh && hasDataInit(model)) model.initFromData(train);
  if (spec.init && r.fresh) config.init = loadWeightsFrom(spec.init, model);
  else if (spec.init) hooks.onNotice?.(`${runDir} resumes from its own last position; --init is not applied again`);
  if (r.fresh && config.training.schedule) {
    // the schedule as the run uses it, recorded in config.json: a total left out becomes the run's length
    const runSteps = config.training.epochs * batchCount(train.n, config.training.batchSize);
    const { spec: schedule, notice } = forRun(config.training.schedule, runSteps);
    config.training = { ...config.training, schedule };
    if (notice) hooks.onNotice?.(notice);
  }
  mkdirSync(runDir, { recursive: true });
  if (r.fresh) writeConfig(runDir, config);
  const closedForm = hasClosedForm(model);
  hooks.onStart?.({
    runDir,
    model: config.model,
    parameters: model.parameterCount(),
    dataset: config.dataset,
    training: config.training,
    seed: config.seed,
    threads: getNumThreads(),
    resumed,
    closedForm,
    phases: isTrainable(model) && !closedForm ? model.trainingPhases().map((p) => p.name) : [],
  });
  if (closedForm) {
    const t0 = Date.now();
    model.fitClosedForm(train, Generator.derive(config.seed, 2));
    const v = isScorer(model) ? evaluateNll(model, dataset.split("valid")) : null;
    saveWeights(path.join(runDir, "best.safetensors"), model, {
      epoch: "0",
      ...(v ? { valid_nll_nats: String(v.nll_nats), estimator: v.estimator } : {}),
    });
    const metrics = testMetrics(model, dataset, config.seed, hooks, Date.now() - t0, {
      ...(v ? { valid_nll_nats: v.nll_nats } : {}),
      // stored numbers unless the model knows its free parameters (e.g. invariances of the fit)
      free_parameters: (
        model.freeParameters?.() ?? BigInt([...model.stateDict().values()].reduce((n, t) => n + t.size, 0))
      ).toString(),
    });
    return finish(
      runDir,
      config,
      { runDir, status: "finished", steps: 0, epochs: 1, bestEpoch: 0, seconds: 0 },
      metrics,
    );
  }
  if (!isTrainable(model)) throw new Error(`${config.model} declares neither a closed-form fit nor training phases`);
  const trainer = new Trainer({
    ...hooks,
    model,
    dataset,
    runDir,
    training: config.training,
    seed: config.seed,
    resume: resumed,
    ...(spec.maxSteps !== undefined ? { maxSteps: spec.maxSteps } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    divergenceNll: 2 * uniformBaseline(dataset, train.dim),
  });
  let s;
  try {
    s = await trainer.run();
  } catch (e) {
    if (e instanceof DivergenceError)
      return { runDir, status: "diverged", steps: 0, epochs: 0, bestEpoch: -1, seconds: 0, reason: e.message };
    throw e;
  } finally {
    drainStoragePool(); // the step's released gradients are of no use once training stops
  }
  const result: RunResult = {
    runDir,
    status: s.status,
    steps: s.steps,
    epochs: s.epochs,
    bestEpoch: s.bestEpoch,
    seconds: s.seconds,
    ...(s.reason ? { reason: s.reason } : {}),
  };
  if (s.status === "interrupted" || s.status === "paused" || s.status === "diverged" || s.bestEpoch < 0) return result;
  loadWeights(path.join(runDir, "best.safetensors"), model);
  const metrics = testMetrics(model, dataset, config.seed, hooks, s.seconds * 1000, {
    best_epoch: s.bestEpoch,
    status: s.status,
  });
  return finish(runDir, config, result, metrics);
}

/** The weights of another run as this run's starting point; the file's absolute path, for config.json. */
function loadWeightsFrom(target: string, model: GenerativeModel): string {
  const { weights } = weightsFile(target);
  loadWeights(weights, model);
  return path.resolve(weights);
}

function testMetrics(
  model: GenerativeModel,
  dataset: Dataset,
  seed: number,
  hooks: FitHooks,
  ms: number,
  extra: Partial<RunMetrics>,
): RunMetrics | undefined {
  if (!isScorer(model)) return undefined;
  const test = dataset.split("test");
  hooks.onTestStart?.(test.n);
  const t = evaluateNll(model, test, { seed });
  return {
    model: model.modelName,
    nll_nats: t.nll_nats,
    bits_per_dim: t.bits_per_dim,
    estimator: t.estimator,
    binarization: dataset.binarization,
    split: "test",
    n: t.n,
    ...extra,
    train_seconds: ms / 1000,
  };
}

function finish(
  runDir: string,
  config: Parameters<typeof writeConfig>[1],
  result: RunResult,
  metrics: RunMetrics | undefined,
): RunResult {
  if (metrics) {
    metrics.model = config.model;
    config.metrics = { ...metrics };
    writeConfig(runDir, config);
  }
  return { ...result, ...(metrics ? { metrics } : {}) };
}
