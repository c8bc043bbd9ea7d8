/** Turning `deepgen train` flags and config files into a model, a dataset and a training recipe. */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadDataset, resolveDataDir, type Dataset } from "../data/datasets.js";
import type { GenerativeModel } from "../models/base.js";
import { getModelSpec, mergeConfig, type ModelSpec, type Recipe } from "../models/registry.js";
import { Generator } from "../tensor/rng.js";
import { readConfig, writeConfig, type RunConfig } from "../train/checkpoint.js";
import { VERSION } from "../version.js";

export interface TrainFlags {
  config?: string;
  data?: string;
  dataDir?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  out?: string;
  resume?: boolean;
  /** model options applied over the recipe's and the config file's (for callers such as the demo) */
  options?: Record<string, unknown>;
}

const RECIPE_KEYS = new Set([
  "dataset",
  "epochs",
  "batchSize",
  "lr",
  "optimizer",
  "weightDecay",
  "schedule",
  "patience",
  "clipNorm",
]);

/** A config file: {"options": {…model…}, "training": {…recipe…}}, or one flat object whose keys are routed by name. */
export function readConfigFile(file: string): { options: Record<string, unknown>; training: Partial<Recipe> } {
  if (!existsSync(file)) throw new Error(`--config ${file}: no such file`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`--config ${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error(`--config ${file}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  if ("options" in o || "training" in o)
    return { options: (o.options ?? {}) as Record<string, unknown>, training: (o.training ?? {}) as Partial<Recipe> };
  const options: Record<string, unknown> = {},
    training: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) (RECIPE_KEYS.has(k) ? training : options)[k] = v;
  return { options, training: training as Partial<Recipe> };
}

export interface PreparedRun {
  spec: ModelSpec;
  config: RunConfig;
  dataset: Dataset;
  model: GenerativeModel;
  runDir: string;
}

export function prepareRun(modelName: string, f: TrainFlags): PreparedRun {
  const spec = getModelSpec(modelName);
  const runDir = path.resolve(
    f.out ?? path.join("runs", `${modelName}-${new Date().toISOString().replace(/[:.]/g, "-")}`),
  );
  let config: RunConfig;
  if (f.resume) {
    config = readConfig(runDir);
    if (config.model !== modelName)
      throw new Error(`--resume: ${runDir} holds a "${config.model}" run, not "${modelName}"`);
    if (f.epochs !== undefined) config.training.epochs = f.epochs; // extending a finished run is allowed
  } else {
    if (existsSync(path.join(runDir, "config.json")))
      throw new Error(`${runDir} already holds a run; pass --resume to continue it or --out to start a new one`);
    const file = f.config ? readConfigFile(f.config) : { options: {}, training: {} };
    const options = mergeConfig(spec, {
      ...(spec.recipe.options ?? {}),
      ...file.options,
      ...(f.options ?? {}),
    }) as Record<string, unknown>;
    const training: Recipe = { ...spec.recipe, ...file.training };
    if (f.data) training.dataset = f.data;
    if (f.epochs !== undefined) training.epochs = f.epochs;
    if (f.batchSize !== undefined) training.batchSize = f.batchSize;
    if (f.lr !== undefined) training.lr = f.lr;
    config = {
      format: 1,
      deepgen: VERSION,
      model: modelName,
      options,
      dataset: training.dataset,
      ...(training.dataset === "binarized-mnist" ? { dataDir: resolveDataDir(f.dataDir) } : {}),
      dim: 0,
      shape: [1, 1, 1],
      seed: f.seed ?? 0,
      training,
    };
  }
  const dataset = loadDataset(config.dataset, f.dataDir ?? config.dataDir);
  const train = dataset.split("train");
  config.dim = train.dim;
  config.shape = train.shape;
  const model = spec.create(
    config.options as never,
    { dim: train.dim, shape: train.shape },
    Generator.derive(config.seed, 1),
  );
  if (
    !f.resume &&
    "initDecoderBias" in model &&
    (config.options as { decoderBiasFromData?: boolean }).decoderBiasFromData
  ) {
    const mean = new Float32Array(train.dim);
    for (let r = 0; r < train.n; r++)
      for (let i = 0; i < train.dim; i++) mean[i] += train.values[r * train.dim + i]! / train.n;
    (model as unknown as { initDecoderBias(m: Float32Array): void }).initDecoderBias(mean);
  }
  if (!f.resume) {
    mkdirSync(runDir, { recursive: true });
    writeConfig(runDir, config);
  }
  return { spec, config, dataset, model, runDir };
}
