/**
 * Run directories: config.json (model, options, data, seed, version), best.safetensors (weights with the best
 * validation NLL), last.safetensors (weights, optimizer state and trainer position, for --resume), metrics.jsonl.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { GenerativeModel } from "../models/base.js";
import { createModel, getModelSpec } from "../models/registry.js";
import type { Optimizer, OptimizerState } from "../optim/optimizer.js";
import { Generator, type GeneratorState } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import type { Storage } from "../backend/backend.js";
import { CheckpointError, readSafetensors, writeSafetensors, type SafeArray, type SafeTensor } from "./safetensors.js";
import { writeFileAtomic } from "../util/fs.js";
import type { Recipe } from "../models/recipe.js";
import { VERSION } from "../version.js";

export interface RunConfig {
  format: 1;
  deepgen: string;
  model: string;
  options: Record<string, unknown>;
  dataset: string;
  dataDir?: string;
  dim: number;
  shape: [number, number, number];
  seed: number;
  training: Recipe;
  /** the weights file a fine-tuning run started from (`deepgen train --init`) */
  init?: string;
  metrics?: Record<string, unknown>;
}

export interface TrainerPosition {
  epoch: number;
  batch: number;
  step: number;
  bestValid: number;
  bestEpoch: number;
  epochsWithoutImprovement: number;
  generator: GeneratorState;
  /** the first phase's optimizer (the only one of single-phase models) */
  optimizer: { kind: string; lr: number; stepCount: number };
  /** every phase's optimizer, in phase order (absent in checkpoints of single-phase runs written before phases) */
  optimizers?: Array<{ kind: string; lr: number; stepCount: number }>;
  trainLossSum: number;
  trainBatches: number;
}

export function writeConfig(runDir: string, config: RunConfig): void {
  writeFileAtomic(path.join(runDir, "config.json"), JSON.stringify(config, null, 2) + "\n");
}

export function readConfig(runDir: string): RunConfig {
  const p = path.join(runDir, "config.json");
  if (!existsSync(p))
    throw new CheckpointError(p, "missing: a run directory holds config.json next to its .safetensors files");
  let c: RunConfig;
  try {
    c = JSON.parse(readFileSync(p, "utf8")) as RunConfig;
  } catch (e) {
    throw new CheckpointError(p, `not valid JSON (${(e as Error).message})`);
  }
  const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  const isSize = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;
  if (
    !isObject(c) ||
    c.format !== 1 ||
    typeof c.model !== "string" ||
    !isObject(c.options) ||
    !Array.isArray(c.shape) ||
    c.shape.length !== 3 ||
    !c.shape.every(isSize) ||
    !isSize(c.dim)
  ) {
    throw new CheckpointError(p, "not a deepgen run config (format 1 with model, options, dim and a [C, H, W] shape)");
  }
  return c;
}

const weightsOf = (model: GenerativeModel): Map<string, { shape: number[]; data: SafeArray }> =>
  new Map(
    [...model.stateDict()].map(([k, t]) => [
      `model.${k}`,
      { shape: [...t.shape], data: t.contiguous().data as SafeArray },
    ]),
  );

export function saveWeights(file: string, model: GenerativeModel, meta: Record<string, string>): void {
  writeSafetensors(file, weightsOf(model), { deepgen: VERSION, model: model.modelName, ...meta });
}

/** Tensor-name prefix of phase p's optimizer buffers: `optim.` for the first (as before phases), `optim<p>.` after. */
const optimPrefix = (p: number): string => (p === 0 ? "optim" : `optim${p}`);

/** The training position; `extra` adds tensors of the Trainer's own (e.g. `ema.*`, the weight average). */
export function saveLast(
  file: string,
  model: GenerativeModel,
  opts: Optimizer[],
  pos: TrainerPosition,
  extra?: ReadonlyMap<string, { shape: number[]; data: Storage }>,
): void {
  const t = weightsOf(model);
  for (const [k, v] of extra ?? []) t.set(k, { shape: v.shape, data: v.data as SafeArray });
  opts.forEach((opt, p) => {
    for (const [name, arrays] of Object.entries(opt.stateDict().buffers))
      arrays.forEach((a, i) => t.set(`${optimPrefix(p)}.${name}.${i}`, { shape: [a.length], data: a as SafeArray }));
  });
  writeSafetensors(file, t, { deepgen: VERSION, model: model.modelName, position: JSON.stringify(pos) });
}

/**
 * A diverged run saves NaN or ±Infinity; loading such weights would let `eval` print NaN and `sample` write noise, so
 * every floating-point tensor (weights and optimizer state) must be finite.
 */
function checkFinite(file: string, tensors: Map<string, SafeTensor>): void {
  for (const [k, t] of tensors) {
    if (t.dtype !== "F32" && t.dtype !== "F64") continue;
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (Number.isFinite(d[i])) continue;
      const name = k.startsWith("model.") ? k.slice(6) : k;
      throw new CheckpointError(
        file,
        `tensor "${name}" holds ${d[i]} at index ${i}; the run diverged — retrain with a lower learning rate`,
      );
    }
  }
}

/** Loads model weights ("model.*") from a checkpoint into `model`; the file is fully validated first. */
export function loadWeights(file: string, model: GenerativeModel): Record<string, string> {
  const f = readSafetensors(file);
  checkFinite(file, f.tensors);
  const state = new Map<string, Tensor>();
  for (const [k, t] of f.tensors) {
    if (!k.startsWith("model.")) continue;
    if (!(t.data instanceof Float32Array) && !(t.data instanceof Float64Array))
      throw new CheckpointError(file, `${k} has dtype ${t.dtype}; weights are F32 or F64`);
    state.set(k.slice(6), new Tensor(t.data as Storage, t.shape));
  }
  try {
    model.loadStateDict(state);
  } catch (e) {
    throw new CheckpointError(file, (e as Error).message);
  }
  return f.metadata;
}

export function loadLast(file: string, model: GenerativeModel, opts: Optimizer[]): TrainerPosition {
  const meta = loadWeights(file, model);
  if (!meta.position)
    throw new CheckpointError(
      file,
      "has no trainer position (it is a weights-only checkpoint; resume needs last.safetensors)",
    );
  let pos: TrainerPosition;
  try {
    pos = JSON.parse(meta.position) as TrainerPosition;
  } catch (e) {
    throw new CheckpointError(file, `the trainer position is not valid JSON (${(e as Error).message})`);
  }
  if (typeof pos !== "object" || pos === null || typeof pos.optimizer !== "object" || pos.optimizer === null)
    throw new CheckpointError(file, "the trainer position lacks its optimizer state");
  pos.bestValid ??= Infinity; // JSON has no Infinity: a run stopped before its first validation stores null
  const f = readSafetensors(file);
  const saved = pos.optimizers ?? [pos.optimizer];
  if (saved.length !== opts.length)
    throw new CheckpointError(file, `holds ${saved.length} optimizer(s); this model trains with ${opts.length}`);
  opts.forEach((opt, p) => {
    const buffers: Record<string, Storage[]> = {};
    const re = new RegExp(`^${optimPrefix(p)}\\.(\\w+)\\.(\\d+)$`);
    for (const [k, t] of f.tensors) {
      const m = re.exec(k);
      if (m) (buffers[m[1]!] ??= [])[Number(m[2])] = t.data as Storage;
    }
    const state: OptimizerState = { ...saved[p]!, buffers };
    try {
      opt.loadStateDict(state);
    } catch (e) {
      throw new CheckpointError(file, (e as Error).message);
    }
  });
  return pos;
}

/** A run directory (its best weights, else its last) or a .safetensors file inside one → that file and its run. */
export function weightsFile(target: string): { runDir: string; weights: string } {
  if (!existsSync(target)) throw new CheckpointError(target, "no such run directory or checkpoint");
  const isDir = statSync(target).isDirectory();
  const runDir = isDir ? target : path.dirname(target);
  const weights = isDir
    ? path.join(runDir, existsSync(path.join(runDir, "best.safetensors")) ? "best.safetensors" : "last.safetensors")
    : target;
  if (!existsSync(weights)) throw new CheckpointError(runDir, "holds no best.safetensors or last.safetensors yet");
  return { runDir, weights };
}

/** A run directory or a .safetensors file inside one → the config, the weights file and the rebuilt model. */
export function loadRun(target: string): {
  config: RunConfig;
  runDir: string;
  weights: string;
  model: GenerativeModel;
} {
  const { runDir, weights } = weightsFile(target);
  const config = readConfig(runDir);
  const spec = getModelSpec(config.model);
  const model = createModel(spec, config.options, { dim: config.dim, shape: config.shape }, new Generator(config.seed));
  loadWeights(weights, model);
  return { config, runDir, weights, model };
}
