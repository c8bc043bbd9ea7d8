/**
 * The queue end to end on a real redis-server with two `deepgen worker` processes: a sweep of tiny runs, sharded
 * evaluation equal to one process's, retries with backoff ending in a failed job, and a worker killed with kill -9 mid
 * training whose job resumes on the other worker and ends bitwise identical to an uninterrupted run.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Queue } from "bullmq";
import { evaluate, evaluateRange, fit } from "../../src/app/index.js";
import { setNumThreads } from "../../src/backend/registry.js";
import { enqueueEval, listJobs, QUEUE_NAME, waitForJobs, type JobRow } from "../../src/queue/index.js";
import {
  exited,
  processState,
  main,
  redisMissing,
  root,
  sleep,
  startRedis,
  startWorker,
  stop,
  type RedisServer,
  type WorkerProcess,
} from "./harness.js";
import { tempDir } from "../tmp.js";

const missing = redisMissing();
if (missing) console.log(`# skipping the queue tests: ${missing}`);
const skip = missing ?? false;

const run = promisify(execFile);
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ["--import", "tsx", main, ...args], {
    cwd: root,
    maxBuffer: 1 << 24,
    env: { ...process.env, ...env },
  });
const jsonLines = (s: string): Record<string, unknown>[] =>
  s
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let dir = "",
  redis: RedisServer | null = null,
  workers: WorkerProcess[] = [],
  sweepRun = "";

before(async () => {
  if (missing) return;
  setNumThreads(1); // the workers run one kernel thread per job; compare like with like
  dir = tempDir("deepgen-queue-");
  redis = await startRedis(dir);
  workers = await Promise.all([startWorker(redis.url), startWorker(redis.url)]);
});

after(async () => {
  await Promise.all(workers.map((w) => stop(w.process)));
  if (redis) await stop(redis.process);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tiny = (epochs: number, batchSize = 500): string => {
  const f = path.join(dir, `tiny-${epochs}-${batchSize}.json`);
  writeFileSync(f, JSON.stringify({ options: { hidden: [8] }, training: { epochs, batchSize, lr: 0.01 } }));
  return f;
};

test("a sweep of three tiny runs on two workers returns every run's result through the queue", { skip }, async () => {
  const url = redis!.url,
    out = path.join(dir, "sweep");
  const r = await cli([
    "sweep",
    "made",
    "--grid",
    '{"lr": [0.01, 0.003, 0.001]}',
    "--config",
    tiny(1),
    "--data",
    "mnist-fixed",
    "--seed",
    "3",
    "--out",
    out,
    "--queue",
    url,
    "--wait",
    "--json",
  ]);
  const lines = jsonLines(r.stdout);
  const queued = lines.filter((l) => "enqueued" in l),
    done = lines.filter((l) => "ok" in l);
  assert.equal(queued.length, 3);
  assert.deepEqual(
    queued.map((q) => path.basename(q.path as string)),
    ["made-lr=0.01", "made-lr=0.003", "made-lr=0.001"],
  );
  assert.equal(done.length, 3);
  const nlls = done.map((d) => {
    assert.equal(d.ok, true, JSON.stringify(d));
    const res = d.result as { runDir: string; status: string; metrics: { nll_nats: number; n: number } };
    assert.equal(res.status, "finished");
    assert.equal(res.metrics.n, 10000);
    // the number that came back through the queue is the one the run recorded in its own directory
    const recorded = JSON.parse(readFileSync(path.join(res.runDir, "config.json"), "utf8")).metrics.nll_nats;
    assert.equal(res.metrics.nll_nats, recorded);
    assert.ok(existsSync(path.join(res.runDir, "best.safetensors")));
    return res.metrics.nll_nats;
  });
  assert.equal(new Set(nlls).size, 3, "three learning rates, three different results");
  const rows = (await listJobs(url)).filter((j) => j.name === "train");
  assert.equal(rows.length, 3);
  assert.ok(rows.every((j) => j.state === "completed" && j.sweep === rows[0]!.sweep));
  assert.equal(new Set(rows.map((j) => j.worker)).size, 2, "both workers took runs");
  sweepRun = path.join(out, "made-lr=0.01");
});

test("a sharded evaluation equals one process's: exact NLL and IWAE-k", { skip }, async () => {
  const url = redis!.url;
  // exact NLL (MADE): the same number as `deepgen eval` in this process; tolerance 1e-9 nats for the summation order
  const whole = evaluate(sweepRun);
  const job = await enqueueEval(url, sweepRun, { shards: 3 });
  const [exact] = await waitForJobs(url, [job.id]);
  assert.equal(exact!.ok, true, exact!.error);
  const e = exact!.result as { nll_nats: number; shards: number; estimator: string; n: number };
  assert.equal(e.shards, 3);
  assert.deepEqual([e.estimator, e.n], ["exact", 10000]);
  assert.ok(Math.abs(e.nll_nats - whole.nll_nats) <= 1e-9, `${e.nll_nats} vs ${whole.nll_nats}`);

  // IWAE-8 (sampled): each batch's random stream depends on its position in the split, never on the shard
  const vae = path.join(dir, "vae");
  await fit({
    model: "vae",
    options: { hidden: [16], latent: 4, evalSamples: 8 },
    training: { dataset: "mnist-fixed", epochs: 1, batchSize: 500, lr: 0.003 },
    seed: 1,
    maxSteps: 3,
    out: vae,
  });
  const single = evaluateRange(vae, { start: 0, end: 10000 });
  assert.equal(single.estimator, "iwae-8");
  const j4 = await enqueueEval(url, vae, { shards: 4 });
  const [iw] = await waitForJobs(url, [j4.id]);
  assert.equal(iw!.ok, true, iw!.error);
  const s = iw!.result as { nll_nats: number; shards: number; estimator: string };
  assert.deepEqual([s.shards, s.estimator], [4, "iwae-8"]);
  // tolerance 1e-9 nats: only the order of 10,000 additions differs; another draw would differ by ~1e-3
  assert.ok(
    Math.abs(s.nll_nats - single.sum_nll_nats / single.n) <= 1e-9,
    `${s.nll_nats} vs ${single.sum_nll_nats / single.n}`,
  );
});

test("a job that keeps failing is retried with backoff, then marked failed with its error", { skip }, async () => {
  const url = redis!.url;
  // a shard of a run directory that vanished after it was queued (the producer would refuse it at the door)
  const q = new Queue(QUEUE_NAME, { connection: { host: "127.0.0.1", port: Number(new URL(url).port) } });
  const gone = path.join(dir, "gone");
  const job = await q.add(
    "eval-shard",
    { target: gone, split: "test", batchSize: 500, start: 0, end: 500 },
    { attempts: 2, backoff: { type: "fixed", delay: 300 } },
  );
  await q.close();
  const [r] = await waitForJobs(url, [job.id!]);
  assert.equal(r!.ok, false);
  assert.match(r!.error!, /no such run directory/);
  const row = (await listJobs(url, { states: ["failed"] })).find((j) => j.id === job.id)!;
  assert.equal(row.attemptsMade, 2, "tried twice");
  assert.match(row.error!, new RegExp(gone));
});

async function waitForRow(url: string, id: string, ok: (r: JobRow) => boolean, what: string): Promise<JobRow> {
  for (let t0 = Date.now(); Date.now() - t0 < 300000; await sleep(200)) {
    const r = (await listJobs(url)).find((j) => j.id === id);
    if (r && ok(r)) return r;
    if (r?.state === "failed") throw new Error(`job ${id} failed: ${r.error}`);
    if (r?.state === "completed") throw new Error(`job ${id} finished before ${what} was seen`);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test(
  "kill -9 of a worker mid-training: another worker resumes the run, bitwise as if never stopped",
  { skip },
  async () => {
    // 500 steps an epoch (an epoch of 100 took less than one progress report, 500 ms) and eight epochs: on a fast
    // machine three epochs ended in 3.5 s, before a poll had seen epoch 1 under way
    const url = redis!.url,
      cfg = tiny(8, 100);
    const victim = path.join(dir, "victim"),
      reference = path.join(dir, "reference");
    const common = ["made", "--config", cfg, "--data", "mnist-fixed", "--seed", "4", "--json", "--no-progress"];
    // the uninterrupted run, meanwhile, in its own process with the workers' thread count
    const uninterrupted = cli(["train", ...common, "--out", reference], { DEEPGEN_THREADS: "1" });
    const queued = jsonLines((await cli(["train", ...common, "--out", victim, "--queue", url])).stdout)[0]!;
    const id = queued.enqueued as string;
    // epoch 0 saved and a later epoch under way (on a busy machine the reports of epoch 1 can all be missed)
    const row = await waitForRow(
      url,
      id,
      (r) => {
        const p = r.progress as { epoch?: number; batch?: number };
        const epoch = p.epoch ?? 0;
        return r.state === "active" && (epoch > 1 || (epoch === 1 && (p.batch ?? 0) >= 5));
      },
      "the run's second epoch or a later one",
    );
    const p = row.progress as { worker: number; pid: number };
    process.kill(p.worker, "SIGKILL");
    const [done] = await waitForJobs(url, [id]);
    assert.equal(done!.ok, true, done!.error);
    const after = (await listJobs(url)).find((j) => j.id === id)!;
    assert.notEqual(after.worker, `${os.hostname()}:${p.worker}`, "finished by the other worker");
    // the orphaned job process stops when it reads its closed channel or at its next progress report; allow a busy
    // machine 60 s to get there, and say what the process was doing if it did not
    for (let t = 0; t < 120 && !exited(p.pid); t++) await sleep(500);
    const orphan = exited(p.pid) ? "" : processState(p.pid);
    if (orphan) process.kill(p.pid, "SIGKILL");
    assert.equal(orphan, "", "the killed worker's job process stopped too");
    const ref = jsonLines((await uninterrupted).stdout).at(-1)!;
    const res = done!.result as { metrics: { nll_nats: number } };
    assert.equal(res.metrics.nll_nats, ref.nll_nats, "same test NLL to the last bit");
    for (const f of ["best.safetensors", "last.safetensors"])
      assert.ok(readFileSync(path.join(victim, f)).equals(readFileSync(path.join(reference, f))), `${f} bitwise`);
    const epochs = jsonLines(readFileSync(path.join(victim, "metrics.jsonl"), "utf8")).map((m) => m.epoch);
    assert.deepEqual(epochs, [0, 1, 2, 3, 4, 5, 6, 7], "no epoch recorded twice");
  },
);
