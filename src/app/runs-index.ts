/**
 * The runs of a directory at a glance: every run directory under it (one with a config.json) with its model, dataset,
 * epochs done, best validation NLL with its estimator, test NLL when finished, and a status read off its files.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { readConfig, type RunConfig } from "../train/checkpoint.js";
import { writeFileAtomic } from "../util/fs.js";

/**
 * What the files of a run say about it: finished (tested), failed (its training crashed or diverged; status.json says
 * why, and the checkpoints saved before are kept), stopped with a saved position, or nothing saved yet.
 */
export type RunFileStatus = "finished" | "failed" | "stopped" | "empty";

/** The file that marks a run whose training failed: {"status": "failed", "error": …, "at": ISO time}. */
export const STATUS_FILE = "status.json";

/** Marks a run failed, with the reason, beside its checkpoints (which stay, so the run can still be resumed). */
export function markRunFailed(runDir: string, error: string): void {
  const status = { status: "failed", error, at: new Date().toISOString() };
  writeFileAtomic(path.join(runDir, STATUS_FILE), JSON.stringify(status, null, 2) + "\n");
}

/** Clears a failure mark: a run that trains again is no longer failed. */
export function clearRunFailure(runDir: string): void {
  rmSync(path.join(runDir, STATUS_FILE), { force: true });
}

/** The reason a run failed, if status.json marks it failed (an unreadable mark still counts as a failure). */
export function readRunFailure(runDir: string): string | undefined {
  const file = path.join(runDir, STATUS_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, "utf8")) as { status?: string; error?: string };
    return s.status === "failed" ? String(s.error ?? "the training failed") : undefined;
  } catch {
    return `the training failed (${STATUS_FILE} is unreadable)`;
  }
}

export interface RunSummary {
  /** the directory's name under the runs directory */
  id: string;
  runDir: string;
  model: string;
  dataset: string;
  /** epochs with a metrics record */
  epochs: number;
  /** the recipe's epochs */
  plannedEpochs: number;
  best_valid_nll_nats?: number;
  /** estimator of the validation figure (e.g. exact, elbo) */
  valid_estimator?: string;
  test_nll_nats?: number;
  test_bits_per_dim?: number;
  test_estimator?: string;
  status: RunFileStatus;
  /** why the training failed, for status "failed" */
  error?: string;
  /** last modification of the run's files (ms since the epoch) */
  updated: number;
}

/** One line of metrics.jsonl: an epoch's record. */
export interface EpochRecord {
  epoch: number;
  step?: number;
  train_loss: number;
  /** train_loss in bits per dimension; null when the loss is not −log p (absent in records before this field) */
  train_bits_per_dim?: number | null;
  valid_nll_nats?: number;
  valid_bits_per_dim?: number;
  estimator?: string;
  /** the recipe's scheduled learning rate at the epoch's last step */
  lr?: number;
  seconds?: number;
  best?: boolean;
}

/** The epoch records of a run (lines cut short by a kill are skipped). */
export function readEpochRecords(runDir: string): EpochRecord[] {
  const file = path.join(runDir, "metrics.jsonl");
  if (!existsSync(file)) return [];
  const out: EpochRecord[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as EpochRecord;
      if (typeof r.epoch === "number" && typeof r.train_loss === "number") out.push(r);
    } catch {
      // a partial line: the run was killed while writing it
    }
  }
  return out;
}

function latestChange(runDir: string): number {
  return Math.max(...readdirSync(runDir).map((f) => statSync(path.join(runDir, f)).mtimeMs));
}

/** Summarises one run directory from its config.json and metrics.jsonl. */
export function summarizeRun(runDir: string, config: RunConfig = readConfig(runDir)): RunSummary {
  const records = readEpochRecords(runDir);
  const scored = records.filter((r) => r.valid_nll_nats !== undefined);
  const best = scored.reduce<EpochRecord | undefined>(
    (b, r) => (!b || r.valid_nll_nats! < b.valid_nll_nats! ? r : b),
    undefined,
  );
  const m = config.metrics as
    { nll_nats?: number; bits_per_dim?: number; estimator?: string; valid_nll_nats?: number } | undefined;
  const saved = ["best.safetensors", "last.safetensors"].some((f) => existsSync(path.join(runDir, f)));
  const bestValid = best?.valid_nll_nats ?? m?.valid_nll_nats;
  const failure = readRunFailure(runDir);
  return {
    id: path.basename(runDir),
    runDir,
    model: config.model,
    dataset: config.dataset,
    epochs: records.length,
    plannedEpochs: config.training.epochs,
    ...(bestValid !== undefined ? { best_valid_nll_nats: bestValid } : {}),
    ...((best?.estimator ?? m?.estimator) ? { valid_estimator: best?.estimator ?? m?.estimator } : {}),
    ...(m?.nll_nats !== undefined
      ? { test_nll_nats: m.nll_nats, test_bits_per_dim: m.bits_per_dim!, test_estimator: m.estimator! }
      : {}),
    status: failure !== undefined ? "failed" : m ? "finished" : saved ? "stopped" : "empty",
    ...(failure !== undefined ? { error: failure } : {}),
    updated: latestChange(runDir),
  };
}

/** Every run directory directly under `dir` (newest first); directories without a readable config are skipped. */
export function listRuns(dir: string): RunSummary[] {
  if (!existsSync(dir)) return [];
  const out: RunSummary[] = [];
  for (const name of readdirSync(dir)) {
    const runDir = path.join(dir, name);
    if (!statSync(runDir).isDirectory() || !existsSync(path.join(runDir, "config.json"))) continue;
    try {
      out.push(summarizeRun(runDir));
    } catch {
      // not a deepgen run config: not listed
    }
  }
  return out.sort((a, b) => b.updated - a.updated);
}
