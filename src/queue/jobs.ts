/**
 * What travels through the queue: each job's name and data, its progress records and its result. Everything is plain
 * JSON; paths are absolute and must name storage every worker sees (see ARCHITECTURE.md, "The queue").
 */
import type { CombinedResult, RunResult, RunSpec, ShardResult } from "../app/index.js";

/** A training run: `fit(spec)` on a worker, resumed from the run directory's last checkpoint on every retry. */
export interface TrainJob {
  spec: RunSpec & { out: string };
  /** with --max-steps: the step to stop at, so a retried job runs only what its first attempt had left */
  untilStep?: number;
  /** the sweep this run belongs to, and its grid values */
  sweep?: { id: string; point: Record<string, unknown> };
}

/** The whole evaluation: a parent job that combines its shard children's partial sums. */
export interface EvalJob {
  target: string;
  split: string;
  batchSize: number;
  dataDir?: string;
  shards: number;
}

/** One batch-aligned image range of an evaluation. */
export interface ShardJob {
  target: string;
  split: string;
  batchSize: number;
  dataDir?: string;
  start: number;
  end: number;
}

export type JobName = "train" | "eval" | "eval-shard";

export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  batch: number;
  batchesPerEpoch: number;
  loss: number;
  /** the pid of the worker process running the job, and of its child process that runs it */
  worker: number;
  pid: number;
}

export interface EvalProgress {
  done: number;
  total: number;
  worker: number;
  pid: number;
}

export type TrainResult = RunResult;
export type ShardJobResult = ShardResult;
export type EvalJobResult = CombinedResult & { target: string };
