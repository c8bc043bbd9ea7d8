/** `deepgen worker --queue <url>`: run queued jobs (training, evaluation shards) until stopped with Ctrl-C. */
import type { Command } from "commander";
import { loadQueue } from "./queue-lazy.js";
import { note, parsePositiveInt } from "./options.js";

interface WorkerFlags {
  queue: string;
  concurrency: number;
  threads?: number;
  lockMs?: number;
  stalledMs?: number;
  maxStalled?: number;
}

const describe = (job: { id?: string; name: string; data: { spec?: { out?: string }; target?: string } }): string =>
  `job ${job.id} (${job.name} ${job.data.spec?.out ?? job.data.target ?? ""})`;

export function workerCommand(program: Command): void {
  program
    .command("worker")
    .description("take jobs from the queue and run each in its own process; Ctrl-C stops after saving their positions")
    .requiredOption("--queue <url>", "the Redis to take jobs from (redis://host:port)")
    .option("--concurrency <n>", "jobs at once, each in its own process", parsePositiveInt, 1)
    .option("--threads <n>", "kernel threads per job (default: DEEPGEN_THREADS or all cores)", parsePositiveInt)
    .option("--lock-ms <ms>", "a lost worker's jobs are taken up after this long (default 30000)", parsePositiveInt)
    .option("--stalled-ms <ms>", "how often to look for jobs of lost workers (default 30000)", parsePositiveInt)
    .option("--max-stalled <n>", "times a job may lose its worker before it is failed (default 3)", parsePositiveInt)
    .action(async (f: WorkerFlags) => {
      const { startWorker, stopWorker } = await loadQueue();
      const worker = await startWorker(
        f.queue,
        {
          concurrency: f.concurrency,
          ...(f.threads !== undefined ? { threads: f.threads } : {}),
          ...(f.lockMs !== undefined ? { lockMs: f.lockMs } : {}),
          ...(f.stalledMs !== undefined ? { stalledIntervalMs: f.stalledMs } : {}),
          ...(f.maxStalled !== undefined ? { maxStalled: f.maxStalled } : {}),
        },
        {
          onActive: (job) => note(`started ${describe(job)}, try ${job.attemptsMade + 1}`),
          onCompleted: (job) => note(`finished ${describe(job)}`),
          onFailed: (job, e) => note(`${job ? describe(job) : "a job"} failed: ${e.message}`),
          onError: (e) => note(`worker: ${e.message}`),
        },
      );
      note(`worker ${process.pid} takes jobs from ${f.queue} (${f.concurrency} at a time); Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          note("stopping: running jobs save their positions and go back to the queue");
          void stopWorker(worker).then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
