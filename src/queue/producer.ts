/**
 * Enqueueing: a training run, a sweep of runs, or an evaluation split into shard jobs under a parent (a BullMQ flow).
 * Everything is validated here first — options, settings, the run directory, the model's capabilities — so a bad
 * request fails at the door instead of on a worker. Paths are made absolute; a config file is carried inline, since
 * a worker on another machine may not see it.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { FlowProducer, Queue, QueueEvents, type JobsOptions } from "bullmq";
import {
  expandSweep,
  openRun,
  planShards,
  requireCapability,
  resolveRun,
  runSplit,
  savedStep,
  type Grid,
  type RunSpec,
} from "../app/index.js";
import { isScorer } from "../models/index.js";
import { checkRedis, connectionFor, QUEUE_NAME } from "./connection.js";
import type { EvalJob, JobName, ShardJob, TrainJob } from "./jobs.js";

export interface RetryOptions {
  /** tries before a job is marked failed (default 3) */
  attempts?: number;
  /** first retry delay; doubled for each further retry (default 5000 ms) */
  backoffMs?: number;
}

export interface Enqueued {
  id: string;
  name: JobName;
  /** the run directory (train) or the evaluated run (eval) */
  path: string;
  /** things the user should know (e.g. a run directory being reused) */
  notices: string[];
  /** the sweep's grid values of this run */
  point?: Record<string, unknown>;
  /** shard jobs under an evaluation */
  shards?: number;
}

const WEEK_S = 7 * 24 * 3600;

function jobOptions(o: RetryOptions): JobsOptions {
  const attempts = o.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be ≥ 1, got ${attempts}`);
  return {
    attempts,
    backoff: { type: "exponential", delay: o.backoffMs ?? 5000 },
    // finished jobs stay listable (results, errors) for a week
    removeOnComplete: { age: WEEK_S },
    removeOnFail: { age: WEEK_S },
  };
}

/** A spec any worker can run: absolute paths, the config's JSON inline, its run directory fixed. */
function portable(spec: RunSpec): { job: TrainJob; notices: string[] } {
  const config =
    spec.config !== undefined && !spec.config.trimStart().startsWith("{")
      ? readFileSync(path.resolve(spec.config), "utf8")
      : spec.config;
  const s: RunSpec = {
    ...spec,
    ...(config !== undefined ? { config } : {}),
    ...(spec.dataDir !== undefined ? { dataDir: path.resolve(spec.dataDir) } : {}),
  };
  const r = resolveRun(s);
  const out = r.runDir;
  const untilStep =
    spec.maxSteps !== undefined ? (spec.resume && !r.fresh ? savedStep(out) : 0) + spec.maxSteps : undefined;
  return { job: { spec: { ...s, out }, ...(untilStep !== undefined ? { untilStep } : {}) }, notices: r.notices };
}

async function withQueue<T>(url: string, fn: (q: Queue) => Promise<T>): Promise<T> {
  await checkRedis(url);
  const q = new Queue(QUEUE_NAME, { connection: connectionFor(url, "producer") });
  try {
    return await fn(q);
  } finally {
    await q.close();
  }
}

export async function enqueueTrain(url: string, spec: RunSpec, o: RetryOptions = {}): Promise<Enqueued> {
  const { job, notices } = portable(spec);
  const opts = jobOptions(o);
  return withQueue(url, async (q) => {
    const j = await q.add("train", job, opts);
    return { id: j.id!, name: "train", path: job.spec.out, notices };
  });
}

/** One training job per grid point, all validated before any is enqueued. */
export async function enqueueSweep(
  url: string,
  base: RunSpec,
  grid: Grid,
  root: string,
  o: RetryOptions = {},
): Promise<Enqueued[]> {
  const id = `sweep-${Date.now().toString(36)}`;
  const points = expandSweep(base, grid, root).map(({ point, spec }) => ({ point, ...portable(spec) }));
  const opts = jobOptions(o);
  return withQueue(url, async (q) => {
    const jobs = await q.addBulk(
      points.map((p) => ({ name: "train", data: { ...p.job, sweep: { id, point: p.point } }, opts })),
    );
    return jobs.map((j, i) => ({
      id: j.id!,
      name: "train" as const,
      path: points[i]!.job.spec.out,
      notices: points[i]!.notices,
      point: points[i]!.point,
    }));
  });
}

export interface QueuedEvalOptions {
  split?: string;
  batchSize?: number;
  dataDir?: string;
  /** shard jobs (default: one per 2,500 images); each covers a batch-aligned image range */
  shards?: number;
}

/** An evaluation as a parent job whose children each evaluate a range of images; the parent combines their sums. */
export async function enqueueEval(
  url: string,
  target: string,
  e: QueuedEvalOptions = {},
  o: RetryOptions = {},
): Promise<Enqueued> {
  const abs = path.resolve(target);
  const run = openRun(abs);
  requireCapability(run.model, run.config.model, isScorer, "exact-density", "evaluate a likelihood");
  const split = e.split ?? "test";
  const batchSize = e.batchSize ?? 500;
  const dataDir = e.dataDir !== undefined ? path.resolve(e.dataDir) : undefined;
  const n = runSplit(run, split, dataDir ? { dataDir } : {}).n;
  const ranges = planShards(n, e.shards ?? Math.ceil(n / 2500), batchSize);
  const common = { target: abs, split, batchSize, ...(dataDir ? { dataDir } : {}) };
  const opts = jobOptions(o);
  await checkRedis(url);
  const flow = new FlowProducer({ connection: connectionFor(url, "producer") });
  try {
    const node = await flow.add({
      name: "eval",
      queueName: QUEUE_NAME,
      data: { ...common, shards: ranges.length } satisfies EvalJob,
      opts,
      children: ranges.map((r) => ({
        name: "eval-shard",
        queueName: QUEUE_NAME,
        data: { ...common, ...r } satisfies ShardJob,
        // a shard that fails for good fails the evaluation with its error
        opts: { ...opts, failParentOnFailure: true },
      })),
    });
    return { id: node.job.id!, name: "eval", path: abs, notices: [], shards: ranges.length };
  } finally {
    await flow.close();
  }
}

export interface Finished {
  id: string;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** Waits until every job has completed or failed for good (after its retries). */
export async function waitForJobs(url: string, ids: readonly string[]): Promise<Finished[]> {
  await checkRedis(url);
  const connection = connectionFor(url, "producer");
  const q = new Queue(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection: connectionFor(url, "worker") });
  try {
    await events.waitUntilReady();
    return await Promise.all(
      ids.map(async (id): Promise<Finished> => {
        const job = await q.getJob(id);
        if (!job) return { id, ok: false, error: `no job ${id} in the queue (removed, or never added)` };
        try {
          return { id, ok: true, result: await job.waitUntilFinished(events) };
        } catch (e) {
          return { id, ok: false, error: (e as Error).message };
        }
      }),
    );
  } finally {
    await events.close();
    await q.close();
  }
}
