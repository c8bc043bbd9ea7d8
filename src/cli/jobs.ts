/**
 * `deepgen jobs --queue <url>`: the queue's jobs with state, progress, attempts and results; and the flags and
 * printing shared by every command that can enqueue instead of running (`train`, `eval`, `sweep` with --queue).
 */
import type { Command } from "commander";
import type { Enqueued, JobRow } from "../queue/index.js";
import { loadQueue } from "./queue-lazy.js";
import { note, parsePositiveInt } from "./options.js";

export interface QueueFlags {
  queue?: string;
  wait?: boolean;
  attempts?: number;
}

/** Adds --queue, --wait and --attempts to a command that can enqueue its work. */
export function withQueueFlags(cmd: Command): Command {
  return cmd
    .option("--queue <url>", "enqueue on this Redis (redis://host:port) for `deepgen worker`s instead of running here")
    .option("--wait", "with --queue: wait for the jobs to finish and print their results")
    .option("--attempts <n>", "with --queue: tries before a job is marked failed (default 3)", parsePositiveInt);
}

export const retryOptions = (f: QueueFlags): { attempts?: number } =>
  f.attempts !== undefined ? { attempts: f.attempts } : {};

/** Prints what was enqueued and, with --wait, each job's result; exits non-zero when a job failed. */
export async function reportEnqueued(url: string, jobs: Enqueued[], f: QueueFlags & { json?: boolean }): Promise<void> {
  for (const j of jobs) {
    for (const n of j.notices) note(n);
    const what = j.name === "eval" ? `evaluation of ${j.path} in ${j.shards} shards` : `run ${j.path}`;
    if (f.json) console.log(JSON.stringify({ enqueued: j.id, name: j.name, path: j.path, ...pointOf(j) }));
    else console.log(`queued job ${j.id}: ${what}${j.point ? ` ${JSON.stringify(j.point)}` : ""}`);
  }
  if (!f.wait) {
    if (!f.json) note(`follow with: deepgen jobs --queue ${url}`);
    return;
  }
  const { waitForJobs } = await loadQueue();
  const done = await waitForJobs(
    url,
    jobs.map((j) => j.id),
  );
  for (const d of done) {
    if (f.json)
      console.log(JSON.stringify({ id: d.id, ok: d.ok, ...(d.ok ? { result: d.result } : { error: d.error }) }));
    else console.log(d.ok ? `job ${d.id} done: ${summary(d.result)}` : `job ${d.id} failed: ${d.error}`);
  }
  if (done.some((d) => !d.ok)) process.exitCode = 1;
}

const pointOf = (j: Enqueued): object => (j.point ? { point: j.point } : {});

const num = (v: unknown, d: number): string => (typeof v === "number" ? v.toFixed(d) : "?");

/** One line for a job's result: a run's status and test NLL, or an evaluation's figure. */
function summary(result: unknown): string {
  const r = (result ?? {}) as Record<string, unknown>;
  const m = (r.metrics ?? r) as Record<string, unknown>;
  const parts = [
    r.status !== undefined ? String(r.status) : "",
    m.nll_nats !== undefined ? `${num(m.nll_nats, 3)} nats (${String(m.estimator)}, ${String(m.n)} images)` : "",
    r.shards !== undefined ? `${String(r.shards)} shards` : "",
    r.sum_nll_nats !== undefined ? `images ${String(r.start)}:${String(r.end)}, Σ ${num(r.sum_nll_nats, 3)} nats` : "",
  ];
  return parts.filter(Boolean).join(", ") || JSON.stringify(result);
}

/** Progress as a few words: epoch and batch of a run, images of an evaluation shard. */
function progressText(p: unknown): string {
  if (typeof p !== "object" || p === null) return typeof p === "number" && p > 0 ? `${p}%` : "";
  const q = p as Record<string, unknown>;
  if (q.total !== undefined) return `${String(q.done)}/${String(q.total)} images`;
  if (q.epoch === undefined) return "";
  const epochs = q.epochs !== undefined ? `/${String(q.epochs)}` : "";
  const batch = q.batch !== undefined ? ` batch ${String(q.batch)}/${String(q.batchesPerEpoch)}` : " (epoch end)";
  return `epoch ${Number(q.epoch) + 1}${epochs}${batch}, step ${String(q.step)}`;
}

function printTable(rows: JobRow[]): void {
  if (rows.length === 0) {
    console.log("no jobs");
    return;
  }
  console.log(["id", "job", "state", "tries", "progress", "result", "path"].join("\t"));
  for (const r of rows) {
    const outcome = r.state === "failed" ? `error: ${r.error}` : r.state === "completed" ? summary(r.result) : "";
    const shard = r.parent ? ` (of ${r.parent})` : "";
    console.log(
      [
        r.id,
        r.name + shard,
        r.state,
        `${r.attemptsMade}/${r.attempts}`,
        progressText(r.progress),
        outcome,
        r.path,
      ].join("\t"),
    );
  }
}

export function jobsCommand(program: Command): void {
  program
    .command("jobs")
    .description("list the queue's jobs: state, progress, tries, results and errors")
    .requiredOption("--queue <url>", "the Redis the jobs were queued on (redis://host:port)")
    .option("--state <list>", "only these states, comma-separated (active,waiting,delayed,failed,completed,…)")
    .option("--limit <n>", "at most this many jobs per state", parsePositiveInt, 100)
    .option("--json", "one JSON document per job on stdout")
    .action(async (o: { queue: string; state?: string; limit: number; json?: boolean }) => {
      const states = o.state?.split(",").map((s) => s.trim());
      const rows = await (await loadQueue()).listJobs(o.queue, { limit: o.limit, ...(states ? { states } : {}) });
      if (o.json) for (const r of rows) console.log(JSON.stringify(r));
      else printTable(rows);
    });
}
