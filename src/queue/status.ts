/** What the queue holds: each job's state, progress, attempts, and its result or error. */
import { Queue, type Job, type JobType } from "bullmq";
import { checkRedis, connectionFor, QUEUE_NAME } from "./connection.js";

export interface JobRow {
  id: string;
  name: string;
  state: string;
  /** the run directory (train) or the evaluated run (eval, eval-shard) */
  path: string;
  progress: unknown;
  attemptsMade: number;
  attempts: number;
  /** the worker that last took it */
  worker?: string;
  created: number;
  started?: number;
  finished?: number;
  result?: unknown;
  error?: string;
  /** the parent job of a shard */
  parent?: string;
  sweep?: string;
}

const STATES: JobType[] = ["active", "waiting", "waiting-children", "prioritized", "delayed", "failed", "completed"];

async function row(job: Job): Promise<JobRow> {
  const d = job.data as { spec?: { out?: string }; target?: string; sweep?: { id: string } };
  return {
    id: job.id!,
    name: job.name,
    state: await job.getState(),
    path: d.spec?.out ?? d.target ?? "",
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    ...(job.processedBy ? { worker: job.processedBy } : {}),
    created: job.timestamp,
    ...(job.processedOn ? { started: job.processedOn } : {}),
    ...(job.finishedOn ? { finished: job.finishedOn } : {}),
    ...(job.returnvalue !== null && job.returnvalue !== undefined ? { result: job.returnvalue } : {}),
    ...(job.failedReason ? { error: job.failedReason } : {}),
    ...(job.parent ? { parent: job.parent.id } : {}),
    ...(d.sweep ? { sweep: d.sweep.id } : {}),
  };
}

/** The newest `limit` jobs of each state (or of the given states), oldest first. */
export async function listJobs(url: string, o: { states?: string[]; limit?: number } = {}): Promise<JobRow[]> {
  const bad = o.states?.find((s) => !(STATES as string[]).includes(s));
  if (bad !== undefined) throw new RangeError(`unknown job state "${bad}"; states: ${STATES.join(", ")}`);
  await checkRedis(url);
  const q = new Queue(QUEUE_NAME, { connection: connectionFor(url, "producer") });
  try {
    const jobs = (
      await q.getJobs((o.states as JobType[] | undefined) ?? STATES, 0, (o.limit ?? 100) - 1, false)
    ).filter((j): j is Job => !!j);
    const rows = await Promise.all(jobs.map(row));
    return rows.sort((a, b) => a.created - b.created || Number(a.id) - Number(b.id));
  } finally {
    await q.close();
  }
}

export async function jobCounts(url: string): Promise<Record<string, number>> {
  await checkRedis(url);
  const q = new Queue(QUEUE_NAME, { connection: connectionFor(url, "producer") });
  try {
    return await q.getJobCounts(...STATES);
  } finally {
    await q.close();
  }
}
