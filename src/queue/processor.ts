/**
 * The sandboxed job processor: BullMQ forks a child process that loads this file and hands it one job at a time, so
 * a training step never blocks the worker's event loop (which keeps renewing the job's lock). It calls the app
 * operations — `fit`, `evaluateRange`, `combineShards` — and nothing else; results go back as the job's return
 * value, progress through job progress.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { UnrecoverableError, WaitingError, type SandboxedJob } from "bullmq";
import "../models/index.js";
import { combineShards, evaluateRange, fit, savedStep, type FitHooks, type ShardResult } from "../app/index.js";
import { OptionsError } from "../models/index.js";
import { CapabilityError } from "../app/index.js";
import type { EvalJob, EvalJobResult, JobName, ShardJob, TrainJob, TrainResult } from "./jobs.js";

// The worker that forked this process died (e.g. kill -9): stop at once rather than keep writing into a run directory
// whose job another worker will resume once the lock expires. The closed channel's "disconnect" event waits for the
// event loop to read it, so every progress call also checks the parent directly: an orphan is re-parented at once.
const parent = process.ppid;
process.on("disconnect", () => process.exit(70));
function exitIfOrphaned(): void {
  if (process.ppid !== parent) process.exit(70);
}

/** The fit under way, so a shutdown signal can stop it cleanly (it saves its position). */
let current: AbortController | null = null;
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => current?.abort());

/** Job progress at most every `ms` (each update is a message to the worker and a Redis write). */
function throttled<T>(job: SandboxedJob, ms = 500): (p: T, force?: boolean) => void {
  let last = 0;
  return (p, force = false) => {
    exitIfOrphaned();
    const now = Date.now();
    if (!force && now - last < ms) return;
    last = now;
    void job.updateProgress(p as object);
  };
}

/** A bad spec or a model that cannot do what was asked will fail the same way on every retry. */
function final(e: unknown): unknown {
  return e instanceof OptionsError || e instanceof CapabilityError ? new UnrecoverableError((e as Error).message) : e;
}

async function train(
  job: SandboxedJob<TrainJob>,
  token: string | undefined,
  signal?: AbortSignal,
): Promise<TrainResult> {
  const d = job.data;
  const runDir = d.spec.out;
  // a retry (after a failure or a lost worker) continues from the run directory's last checkpoint
  const resume = d.spec.resume === true || existsSync(path.join(runDir, "config.json"));
  const { maxSteps: _, ...spec } = d.spec;
  let maxSteps: number | undefined;
  if (d.untilStep !== undefined) {
    const at = savedStep(runDir);
    // an earlier attempt reached the step limit but was lost before the job completed
    if (at >= d.untilStep) return { runDir, status: "paused", steps: at, epochs: 0, bestEpoch: -1, seconds: 0 };
    maxSteps = d.untilStep - at;
  }
  const controller = new AbortController();
  current = controller;
  const onCancel = (): void => controller.abort();
  signal?.addEventListener("abort", onCancel);
  const progress = throttled<object>(job);
  let epochs = 0;
  const hooks: FitHooks = {
    signal: controller.signal,
    onStart: (s) => (epochs = s.training.epochs),
    onNotice: (m) => job.log(m),
    onStep: (p) => progress({ ...p, epochs, worker: process.ppid, pid: process.pid }),
    onMetrics: (m) => progress({ ...m, epochs, worker: process.ppid, pid: process.pid }, true),
  };
  let r: TrainResult;
  try {
    r = await fit({ ...spec, resume, ...(maxSteps !== undefined ? { maxSteps } : {}) }, hooks);
  } catch (e) {
    throw final(e);
  } finally {
    current = null;
    signal?.removeEventListener("abort", onCancel);
  }
  if (r.status === "interrupted") {
    // the worker is shutting down: the position is saved; back to the queue without spending an attempt
    await job.moveToWait(token);
    throw new WaitingError();
  }
  if (r.status === "diverged") throw new UnrecoverableError(`${r.reason}; the best checkpoint is kept in ${runDir}`);
  return r;
}

async function shard(job: SandboxedJob<ShardJob>): Promise<ShardResult> {
  const d = job.data;
  const progress = throttled<object>(job);
  try {
    return evaluateRange(d.target, {
      split: d.split,
      batchSize: d.batchSize,
      start: d.start,
      end: d.end,
      ...(d.dataDir ? { dataDir: d.dataDir } : {}),
      onProgress: (done, total) => progress({ done, total, worker: process.ppid, pid: process.pid }, done === total),
    });
  } catch (e) {
    throw final(e);
  }
}

async function combine(job: SandboxedJob<EvalJob>): Promise<EvalJobResult> {
  const parts = Object.values(await job.getChildrenValues<ShardResult>());
  if (parts.length !== job.data.shards)
    throw new Error(`expected ${job.data.shards} shard results, found ${parts.length}`);
  return { ...combineShards(parts), target: job.data.target };
}

export default async function processJob(job: SandboxedJob, token?: string, signal?: AbortSignal): Promise<object> {
  switch (job.name as JobName) {
    case "train":
      return train(job as SandboxedJob<TrainJob>, token, signal);
    case "eval-shard":
      return shard(job as SandboxedJob<ShardJob>);
    case "eval":
      return combine(job as SandboxedJob<EvalJob>);
    default:
      throw new UnrecoverableError(`unknown job "${job.name}" (this worker runs train, eval and eval-shard jobs)`);
  }
}
