/**
 * A worker: takes jobs from the queue and runs each in a sandboxed child process (BullMQ's file-based processor), up
 * to `concurrency` at a time. The worker's own event loop only talks to Redis — it renews each job's lock while the
 * child trains — so a worker that dies (kill -9, a lost machine) stops renewing, its jobs are found stalled after the
 * lock expires, and another worker takes them up and resumes them from their run directories.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Worker, type Job } from "bullmq";
import { checkRedis, connectionFor, QUEUE_NAME } from "./connection.js";

export interface WorkerOptions {
  /** jobs at once, each in its own child process (default 1) */
  concurrency?: number;
  /** kernel threads per job (DEEPGEN_THREADS of the child processes; default: inherited) */
  threads?: number;
  /** how long a job's lock lasts without renewal: a dead worker's jobs are taken up after this (default 30 s) */
  lockMs?: number;
  /** how often this worker looks for stalled jobs (default 30 s) */
  stalledIntervalMs?: number;
  /** times a job may stall (its worker lost) before it is failed (default 3) */
  maxStalled?: number;
}

export interface WorkerEvents {
  onActive?(job: Job): void;
  onCompleted?(job: Job, result: unknown): void;
  onFailed?(job: Job | undefined, error: Error): void;
  onError?(error: Error): void;
}

/** The processor file next to this module: compiled JavaScript, or the TypeScript source when run from source. */
export function processorFile(): string {
  const js = fileURLToPath(new URL("./processor.js", import.meta.url));
  return existsSync(js) ? js : js.replace(/\.js$/, ".ts");
}

export async function startWorker(url: string, o: WorkerOptions = {}, ev: WorkerEvents = {}): Promise<Worker> {
  await checkRedis(url);
  const env = { ...process.env, ...(o.threads !== undefined ? { DEEPGEN_THREADS: String(o.threads) } : {}) };
  const worker = new Worker(QUEUE_NAME, processorFile(), {
    connection: connectionFor(url, "worker"),
    name: `${os.hostname()}:${process.pid}`,
    concurrency: o.concurrency ?? 1,
    useWorkerThreads: false,
    workerForkOptions: { env },
    lockDuration: o.lockMs ?? 30000,
    stalledInterval: o.stalledIntervalMs ?? 30000,
    maxStalledCount: o.maxStalled ?? 3,
  });
  worker.on("active", (job) => ev.onActive?.(job));
  worker.on("completed", (job, result) => ev.onCompleted?.(job, result));
  worker.on("failed", (job, err) => ev.onFailed?.(job, err));
  worker.on("error", (err) => ev.onError?.(err));
  await worker.waitUntilReady();
  return worker;
}

/**
 * A clean stop: running jobs are asked to stop (training saves its position and goes back to the queue without
 * spending an attempt), then the worker closes.
 */
export async function stopWorker(worker: Worker): Promise<void> {
  worker.cancelAllJobs("worker stopping");
  await worker.close();
}
