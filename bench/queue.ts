/**
 * The queue's cost and gain, printed as JSON: a sweep of 8 short runs (tiny MADE, one epoch of mnist-fixed each, with
 * validation and test evaluation) on 1 vs 2 workers of one kernel thread each, rounds interleaved, best round kept;
 * and the queue's overhead per job — a 500-image evaluation shard timed end to end through Redis and a worker's
 * sandboxed child, against the same operation in this process.
 *
 *   node --import tsx bench/queue.ts [--rounds 2] [--jobs 20]
 *
 * Needs redis-server (Debian: apt-get install -y redis-server). Starts its own on a free port in a temporary directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Queue, QueueEvents } from "bullmq";
import { evaluateRange, fit, gridPoints } from "../src/app/index.js";
import { setNumThreads } from "../src/backend/registry.js";
import { checkRedis, enqueueSweep, QUEUE_NAME, waitForJobs } from "../src/queue/index.js";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "2" }, jobs: { type: "string", default: "20" } },
});
const rounds = Number(values.rounds),
  nJobs = Number(values.jobs);
const root = path.resolve(import.meta.dirname, "..");
const main = path.join(root, "src/cli/main.ts");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startWorkers(url: string, n: number): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const p = spawn(process.execPath, ["--import", "tsx", main, "worker", "--queue", url, "--threads", "1"], {
        cwd: root,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
      while (!/takes jobs from/.test(err)) {
        if (p.exitCode !== null) throw new Error(`worker did not start: ${err}`);
        await sleep(100);
      }
      return p;
    }),
  );
}

async function stopAll(ps: ChildProcess[]): Promise<void> {
  await Promise.all(
    ps.map((p) => {
      const done = new Promise((r) => p.once("exit", r));
      p.kill("SIGTERM");
      return done;
    }),
  );
}

const dir = mkdtempSync(path.join(os.tmpdir(), "deepgen-bench-queue-"));
const port = await freePort();
const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""], {
  stdio: "ignore",
});
const url = `redis://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    await checkRedis(url, 500);
    break;
  } catch (e) {
    if (i > 50) throw e;
    await sleep(100);
  }
}
const load = [os.loadavg()[0]];

const config = path.join(dir, "tiny.json");
writeFileSync(config, JSON.stringify({ options: { hidden: [8] }, training: { epochs: 1, batchSize: 500 } }));
const grid = { lr: [0.01, 0.005, 0.003, 0.002], seed: [1, 2] };
const base = { model: "made", config, training: { dataset: "mnist-fixed" } };

/** Wall-clock seconds from enqueueing the 8 runs to the last one's result, with `n` workers already waiting. */
async function sweep(n: number, round: number): Promise<number> {
  const workers = await startWorkers(url, n);
  try {
    const t0 = Date.now();
    const jobs = await enqueueSweep(url, base, grid, path.join(dir, `sweep-${n}-${round}`));
    const done = await waitForJobs(
      url,
      jobs.map((j) => j.id),
    );
    if (done.some((d) => !d.ok)) throw new Error(`a run failed: ${JSON.stringify(done.find((d) => !d.ok))}`);
    return (Date.now() - t0) / 1000;
  } finally {
    await stopAll(workers);
  }
}

const oneWorker: number[] = [],
  twoWorkers: number[] = [];
for (let r = 0; r < rounds; r++) {
  oneWorker.push(await sweep(1, r));
  twoWorkers.push(await sweep(2, r));
}
load.push(os.loadavg()[0]);

// overhead per job: a small shard, timed through the queue and in this process
setNumThreads(1);
const run = path.join(dir, "overhead-run");
await fit({ ...base, seed: 0, out: run, maxSteps: 1 });
const inProcess: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  evaluateRange(run, { start: 0, end: 500 });
  inProcess.push(performance.now() - t);
}
const [worker] = await startWorkers(url, 1);
const q = new Queue(QUEUE_NAME, { connection: { host: "127.0.0.1", port } });
const events = new QueueEvents(QUEUE_NAME, { connection: { host: "127.0.0.1", port, maxRetriesPerRequest: null } });
await events.waitUntilReady();
const total: number[] = [],
  inWorker: number[] = [];
for (let i = 0; i < nJobs + 1; i++) {
  const t = performance.now();
  const job = await q.add("eval-shard", { target: run, split: "test", batchSize: 500, start: 0, end: 500 });
  await job.waitUntilFinished(events);
  const wall = performance.now() - t;
  const j = (await q.getJob(job.id!))!;
  if (i === 0) continue; // the first job also starts the child process and loads the data
  total.push(wall);
  inWorker.push(j.finishedOn! - j.processedOn!);
}
await events.close();
await q.close();
await stopAll([worker!]);
load.push(os.loadavg()[0]);
redis.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const best1 = Math.min(...oneWorker),
  best2 = Math.min(...twoWorkers);
console.log(
  JSON.stringify({
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.availableParallelism(),
      load_average_1min: load.map((l) => Number(l!.toFixed(1))),
      note: "shared machine, loaded by other work while this ran: figures are indicative, not a clean-machine speedup",
    },
    sweep: {
      runs: gridPoints(grid).length,
      run: "made hidden [8], mnist-fixed, 1 epoch of 100 steps (batch 500) + validation and test NLL (10k images each)",
      threads_per_worker: 1,
      rounds,
      one_worker_seconds: oneWorker,
      two_workers_seconds: twoWorkers,
      best_one_worker_seconds: best1,
      best_two_workers_seconds: best2,
      speedup: Number((best1 / best2).toFixed(2)),
    },
    overhead_per_job: {
      job: "eval-shard of 500 test images (tiny MADE), one worker, one at a time",
      jobs: total.length,
      median_end_to_end_ms: Number(median(total).toFixed(1)),
      median_in_worker_ms: Number(median(inWorker).toFixed(1)),
      median_in_process_ms: Number(median(inProcess).toFixed(1)),
      median_overhead_ms: Number((median(total) - median(inProcess)).toFixed(1)),
      estimator: "overhead = median end-to-end (enqueue to result seen by the producer) − median in-process call",
    },
  }),
);
