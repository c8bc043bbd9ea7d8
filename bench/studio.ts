/**
 * The studio's costs, printed as JSON:
 * - page: time to interactive of the built page on a local studio (headless chromium through playwright-core, a fresh
 *   browser context each time, so nothing is cached): navigation start → the app's `studio:ready` mark (rendered,
 *   handlers attached) and → `studio:runs-listed` (the runs table filled from the API); with the renderer's
 *   main-thread busy time (CDP TaskDuration) as its CPU time;
 * - score: latency of POST /api/score for one drawn image under MADE (hidden 500, and the recipe's 8000) and NADE
 *   (hidden 500) over HTTP, after one warm-up call that computes the test-split reference; with the server's CPU time
 *   per call (the studio keeps the last few runs open, so after the first call no checkpoint is read);
 * - events: what streaming every step's point costs the training: MADE (hidden 500, batch 100, 500 steps) trained by
 *   the studio with no client and with --clients readers of its event stream (each parses every batch of points and
 *   checks it got every step once), in pairs whose order alternates (A B, B A, …), at each of --threads (the training
 *   process's DEEPGEN_THREADS). Per pair, the ratio of steps/s with clients to without (steps/s from the run's own
 *   step points, first to last: start-up left out) and of the training process's CPU time (this process's waited-for
 *   children, /proc/self/stat); the median and range of the ratios over the pairs.
 * Best of N is the headline for times (the machine is shared: the minimum is the least disturbed run); medians beside.
 *
 *   node --import tsx bench/studio.ts [--page 7] [--score 20] [--pairs 5] [--threads 1,2] [--clients 3]
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { fit } from "../src/app/index.js";
import { startStudio } from "../src/server/server.js";
import type { StepPoint } from "../src/server/step-points.js";

const { values } = parseArgs({
  options: {
    page: { type: "string", default: "7" },
    score: { type: "string", default: "20" },
    pairs: { type: "string", default: "5" },
    threads: { type: "string", default: "1,2" },
    clients: { type: "string", default: "3" },
  },
});
const CHROMIUM = "/usr/bin/chromium";
const DATASET = "mnist-fixed";
const CLIENTS = Number(values.clients);
/** steps per training session of the events benchmark */
const STEPS = 500;

const best = (xs: number[]): number => Math.min(...xs);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (v: number, d = 2): number => Number(v.toFixed(d));
const stats = (xs: number[], d = 2) => ({ best: round(best(xs), d), median: round(median(xs), d), n: xs.length });
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** CPU time (ms) of this process's children that have exited and been waited for: utime + stime … cutime + cstime */
function childCpuMs(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  // after "pid (comm) ": state is field 0, cutime and cstime are fields 13 and 14, in clock ticks (100 per second)
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

const runsDir = path.join(mkdtempSync(path.join(os.tmpdir(), "deepgen-bench-studio-")), "runs");
const studio = await startStudio({ runsDir, port: 0 });
const api = (p: string, init?: RequestInit) => fetch(new URL(`api${p}`, studio.url), init);
const postJson = (p: string, body: unknown) =>
  api(p, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function pageTimes(n: number) {
  if (n === 0) return { skipped: "--page 0" };
  if (!existsSync(CHROMIUM)) return { skipped: `no ${CHROMIUM} (apt-get install -y chromium)` };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const ready: number[] = [];
  const listed: number[] = [];
  const busy: number[] = [];
  for (let i = 0; i < n; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    await page.goto(studio.url);
    await page.waitForFunction(() => performance.getEntriesByName("studio:runs-listed").length > 0);
    const marks = await page.evaluate(() => ({
      ready: performance.getEntriesByName("studio:ready")[0]!.startTime,
      listed: performance.getEntriesByName("studio:runs-listed")[0]!.startTime,
    }));
    const { metrics } = (await cdp.send("Performance.getMetrics")) as { metrics: { name: string; value: number }[] };
    ready.push(marks.ready);
    listed.push(marks.listed);
    busy.push(1000 * metrics.find((m) => m.name === "TaskDuration")!.value);
    await context.close();
  }
  await browser.close();
  return { ready_ms: stats(ready, 1), runs_listed_ms: stats(listed, 1), renderer_main_thread_cpu_ms: stats(busy, 1) };
}

/** A drawn-looking image: a vertical stroke, random grey levels around it (seeded). */
function strokeImage(): number[] {
  let s = 12345;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: 784 }, (_, i) => {
    const x = i % 28;
    const y = Math.floor(i / 28);
    return Math.abs(x - 14) <= 1 && y > 4 && y < 24 ? 1 : rand() * 0.2;
  });
}

async function scoreTimes(n: number) {
  if (n === 0) return { skipped: "--score 0" };
  const out: Record<string, unknown> = {};
  const image = strokeImage();
  const cases: [string, string, Record<string, unknown>][] = [
    ["made-500", "made", { hidden: [500] }],
    ["made-8000", "made", {}],
    ["nade-500", "nade", { hidden: 500 }],
  ];
  for (const [name, model, options] of cases) {
    // a few steps give weights (the latency does not depend on how well the model is trained)
    const training = { dataset: DATASET, batchSize: 100 };
    await fit({ model, options, out: path.join(runsDir, name), training, maxSteps: 2 });
    const t0 = performance.now();
    const first = await postJson("/score", { runs: [name], images: image });
    const firstMs = performance.now() - t0;
    const row = ((await first.json()) as { rows: { error?: string; nll_nats?: number[] }[] }).rows[0]!;
    if (row.error) throw new Error(`${name}: ${row.error}`);
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < n; i++) {
      const c0 = cpuMs();
      const w0 = performance.now();
      const res = await postJson("/score", { runs: [name], images: image });
      await res.json();
      wall.push(performance.now() - w0);
      cpu.push(cpuMs() - c0);
    }
    out[name] = {
      nll_nats: round(row.nll_nats![0]!),
      first_call_ms: round(firstMs, 1),
      wall_ms: stats(wall),
      process_cpu_ms: stats(cpu),
    };
  }
  return out;
}

/** What one client of a run's event stream received: its step points, checked to be every step once, in order. */
async function readSteps(name: string): Promise<{ points: number; inOrder: boolean }> {
  const res = await api(`/runs/${name}/events`);
  const decoder = new TextDecoder();
  let buf = "";
  let points = 0;
  let last = 0;
  let inOrder = true;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let at;
    while ((at = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, at);
      buf = buf.slice(at + 2);
      if (!block.startsWith("event: steps\n")) continue;
      // the client parses every batch, as a tab does
      for (const p of (JSON.parse(block.slice(block.indexOf("data: ") + 6)) as { points: StepPoint[] }).points) {
        inOrder &&= p.step === last + 1;
        last = p.step;
        points++;
      }
    }
  }
  return { points, inOrder };
}

/**
 * One training session of MADE (hidden 500) on mnist-fixed, batch 100, stopped after STEPS steps (no validation or
 * test pass), with `clients` event-stream readers connected from the start. Steps/s from the run's own step points
 * (first to last, so start-up is left out); CPU of the training process from the waited-for children.
 */
async function trainOnce(name: string, threads: number, clients: number) {
  const c0 = childCpuMs();
  const s0 = cpuMs();
  // the training process inherits the server's environment when it is forked
  process.env.DEEPGEN_THREADS = String(threads);
  const res = await postJson("/train", {
    model: "made",
    dataset: DATASET,
    options: { hidden: [500] },
    training: { epochs: 2, batchSize: 100, lr: 0.001 },
    seed: 1,
    name,
    maxSteps: STEPS,
  });
  if (res.status !== 202) throw new Error(`train ${name}: HTTP ${res.status} ${await res.text()}`);
  const readers = Array.from({ length: clients }, () => readSteps(name));
  const job = studio.jobs.get(name)!;
  await job.exited();
  const received = await Promise.all(readers);
  for (const r of received)
    if (r.points !== STEPS || !r.inOrder)
      throw new Error(`${name}: a client got ${r.points} points (in order: ${r.inOrder})`);
  const points = [...job.steps.chunks(Infinity)].flat();
  if (points.length !== STEPS) throw new Error(`${name}: ${points.length} step points kept, expected ${STEPS}`);
  const first = points[0]!;
  const last = points.at(-1)!;
  return {
    stepsPerSec: (last.step - first.step) / (last.seconds - first.seconds),
    workerCpuMs: childCpuMs() - c0,
    studioCpuMs: cpuMs() - s0,
  };
}

const ratioStats = (xs: number[]) => ({
  median: round(median(xs), 4),
  min: round(Math.min(...xs), 4),
  max: round(Math.max(...xs), 4),
  n: xs.length,
});

/** Paired runs at each thread count: without clients and with CLIENTS, the order alternating pair by pair. */
async function eventOverhead(pairs: number, threadCounts: number[]) {
  if (pairs === 0) return { skipped: "--pairs 0" };
  const out: Record<string, unknown> = {};
  for (const threads of threadCounts) {
    const rate: number[] = [];
    const cpu: number[] = [];
    const serving: number[] = [];
    const rows: unknown[] = [];
    for (let i = 0; i < pairs; i++) {
      // A B, B A, …: a load that grows or falls over the pairs favours neither arm
      const plainFirst = i % 2 === 0;
      let a = plainFirst ? await trainOnce(`t${threads}-plain-${i}`, threads, 0) : undefined;
      const b = await trainOnce(`t${threads}-watched-${i}`, threads, CLIENTS);
      a ??= await trainOnce(`t${threads}-plain-${i}`, threads, 0);
      rate.push(b.stepsPerSec / a.stepsPerSec);
      cpu.push(b.workerCpuMs / a.workerCpuMs);
      // what serving the clients (and the clients' own parsing, in this process) cost, per CPU second of training
      serving.push((b.studioCpuMs - a.studioCpuMs) / a.workerCpuMs);
      rows.push({
        steps_per_sec: [round(a.stepsPerSec), round(b.stepsPerSec)],
        training_cpu_ms: [round(a.workerCpuMs, 0), round(b.workerCpuMs, 0)],
        studio_cpu_ms: [round(a.studioCpuMs, 0), round(b.studioCpuMs, 0)],
      });
    }
    out[`threads_${threads}`] = {
      // ratio < 1: slower with clients; the slowdown in percent is 100 · (1 − ratio)
      steps_per_sec_ratio_with_to_without: ratioStats(rate),
      slowdown_percent_median: round(100 * (1 - median(rate))),
      training_cpu_ratio_with_to_without: ratioStats(cpu),
      extra_studio_cpu_per_training_cpu: ratioStats(serving),
      pairs_without_and_with: rows,
    };
  }
  return { clients: CLIENTS, steps: STEPS, ...out };
}

try {
  const result = {
    bench: "studio",
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    note: "shared 2-core machine: best of N is the least disturbed run",
    load_average_at_start: os.loadavg().map((v) => round(v)),
    page: await pageTimes(Number(values.page)),
    score: await scoreTimes(Number(values.score)),
    events: await eventOverhead(Number(values.pairs), values.threads.split(",").map(Number)),
    load_average_at_end: os.loadavg().map((v) => round(v)),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await studio.close();
}
