/**
 * The studio's costs, printed as JSON:
 * - page: time to interactive of the built page on a local studio (headless chromium through playwright-core, a fresh
 *   browser context each time, so nothing is cached): navigation start → the app's `studio:ready` mark (rendered,
 *   handlers attached) and → `studio:runs-listed` (the runs table filled from the API); with the renderer's
 *   main-thread busy time (CDP TaskDuration) as its CPU time;
 * - score: latency of POST /api/score for one drawn image under MADE (hidden 500, and the recipe's 8000) and NADE
 *   (hidden 500) over HTTP, after one warm-up call that computes the test-split reference; with the server's CPU time
 *   per call (the studio keeps the last few runs open, so after the first call no checkpoint is read);
 * - events: a training's steps/s (MADE hidden 500, batch 100, one epoch: 500 steps and a validation pass) with and
 *   without a client subscribed to its event stream, runs interleaved (A B, B A, …); steps/s from the epoch's own
 *   timing in metrics.jsonl, CPU time of the training process from this process's waited-for children
 *   (/proc/self/stat).
 * Best of N is the headline (the machine is shared: the minimum is the least disturbed run); medians beside it.
 *
 *   node --import tsx bench/studio.ts [--page 7] [--score 20] [--pairs 3]
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { fit } from "../src/app/index.js";
import { startStudio } from "../src/server/server.js";

const { values } = parseArgs({
  options: {
    page: { type: "string", default: "7" },
    score: { type: "string", default: "20" },
    pairs: { type: "string", default: "3" },
  },
});
const CHROMIUM = "/usr/bin/chromium";
const DATASET = "mnist-fixed";

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

/** One epoch of MADE (hidden 500) on mnist-fixed, batch 100: 500 steps, with or without an event-stream client. */
async function trainOnce(name: string, subscribe: boolean) {
  const c0 = childCpuMs();
  const res = await postJson("/train", {
    model: "made",
    dataset: DATASET,
    options: { hidden: [500] },
    training: { epochs: 1, batchSize: 100, lr: 0.001 },
    seed: 1,
    name,
  });
  if (res.status !== 202) throw new Error(`train ${name}: HTTP ${res.status} ${await res.text()}`);
  let events = 0;
  const stream = subscribe
    ? (async () => {
        const r = await api(`/runs/${name}/events`);
        for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>)
          events += new TextDecoder().decode(chunk).split("\n\n").length - 1;
      })()
    : null;
  // both arms poll the run once a second to see it end, so the only difference is the stream
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const run = (await (await api(`/runs/${name}`)).json()) as { job?: { state: string } };
    if (run.job?.state === "done" || run.job?.state === "failed") break;
  }
  await stream;
  await studio.jobs.get(name)?.exited();
  const record = JSON.parse(readFileSync(path.join(runsDir, name, "metrics.jsonl"), "utf8").split("\n")[0]!) as {
    step: number;
    seconds: number;
  };
  return { stepsPerSec: record.step / record.seconds, workerCpuMs: childCpuMs() - c0, events };
}

async function eventOverhead(pairs: number) {
  if (pairs === 0) return { skipped: "--pairs 0" };
  const without: number[] = [];
  const withStream: number[] = [];
  const cpuWithout: number[] = [];
  const cpuWith: number[] = [];
  let events = 0;
  for (let i = 0; i < pairs; i++) {
    // the order alternates (A B, B A, …), so a load that grows or falls over the run favours neither arm
    let a = i % 2 ? undefined : await trainOnce(`plain-${i}`, false);
    const b = await trainOnce(`watched-${i}`, true);
    a ??= await trainOnce(`plain-${i}`, false);
    without.push(a.stepsPerSec);
    withStream.push(b.stepsPerSec);
    cpuWithout.push(a.workerCpuMs);
    cpuWith.push(b.workerCpuMs);
    events = b.events;
  }
  // best = fastest here: the most steps per second each arm managed
  const fastest = (xs: number[]) => Math.max(...xs);
  return {
    steps_per_sec_without_client: { best: round(fastest(without)), median: round(median(without)), n: pairs },
    steps_per_sec_with_client: { best: round(fastest(withStream)), median: round(median(withStream)), n: pairs },
    slowdown_percent_best: round(100 * (1 - fastest(withStream) / fastest(without))),
    slowdown_percent_median: round(100 * (1 - median(withStream) / median(without))),
    training_process_cpu_ms_without_client: stats(cpuWithout, 0),
    training_process_cpu_ms_with_client: stats(cpuWith, 0),
    events_received_per_run: events,
  };
}

try {
  const result = {
    bench: "studio",
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    note: "shared 2-core machine: best of N is the least disturbed run",
    page: await pageTimes(Number(values.page)),
    score: await scoreTimes(Number(values.score)),
    events: await eventOverhead(Number(values.pairs)),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await studio.close();
}
