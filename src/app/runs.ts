/** Opening a finished (or paused) run: its config, weights, model and data. */
import { loadDataset, type Dataset, type Split, type SplitName } from "../data/datasets.js";
import { getModelSpec, type GenerativeModel, type ModelSpec } from "../models/index.js";
import { loadRun, type RunConfig } from "../train/checkpoint.js";

export interface OpenRun {
  config: RunConfig;
  runDir: string;
  /** the checkpoint the weights came from */
  weights: string;
  model: GenerativeModel;
  spec: ModelSpec;
}

/** A run directory (best.safetensors, else last.safetensors) or a .safetensors file inside one. */
export function openRun(target: string): OpenRun {
  const r = loadRun(target);
  return { ...r, spec: getModelSpec(r.config.model) };
}

export const SPLITS: readonly SplitName[] = ["train", "valid", "test"];

export function checkSplit(name: string): SplitName {
  if (!(SPLITS as readonly string[]).includes(name))
    throw new RangeError(`split must be train, valid or test, not "${name}"`);
  return name as SplitName;
}

/** The run's dataset (or another one), read from `dataDir` or where the run found it. */
export function runDataset(run: OpenRun, opts: { data?: string; dataDir?: string } = {}): Dataset {
  return loadDataset(opts.data ?? run.config.dataset, opts.dataDir ?? run.config.dataDir);
}

export function runSplit(run: OpenRun, split: string, opts: { data?: string; dataDir?: string } = {}): Split {
  return runDataset(run, opts).split(checkSplit(split));
}
