/**
 * `deepgen sweep <model> --grid '{"lr": [1e-3, 3e-4], …}'`: one run per grid point, here or on the queue's workers.
 */
import type { Command } from "commander";
import path from "node:path";
import { expandSweep, fit, parseGrid, type RunResult } from "../app/index.js";
import { loadQueue } from "./queue-lazy.js";
import { reportEnqueued, retryOptions, withQueueFlags } from "./jobs.js";
import { note } from "./options.js";
import { runSpec, withRunSpecFlags, type TrainFlags } from "./train.js";

interface SweepFlags extends TrainFlags {
  grid: string;
}

const defaultRoot = (model: string): string =>
  path.resolve("runs", `sweep-${model}-${new Date().toISOString().replace(/[:.]/g, "-")}`);

/** Runs every point in this process, one after another, and prints a line per run. */
async function runHere(model: string, f: SweepFlags, root: string): Promise<void> {
  const points = expandSweep({ ...runSpec(model, f), out: undefined }, parseGrid(f.grid), root);
  note(`sweep of ${points.length} runs in ${root}`);
  for (const { point, spec } of points) {
    const r: RunResult = await fit(spec, { onNotice: note });
    const m = r.metrics;
    if (f.json)
      console.log(JSON.stringify({ point, runDir: r.runDir, status: r.status, ...(m ? { metrics: m } : {}) }));
    else
      console.log(
        `${JSON.stringify(point)}: ${r.status}` +
          (m ? `, test ${m.nll_nats.toFixed(3)} nats (${m.estimator})` : "") +
          `  ${r.runDir}`,
      );
  }
}

export function sweepCommand(program: Command): void {
  withRunSpecFlags(withQueueFlags(program.command("sweep")))
    .description("train one run per point of a grid of options and settings, here or (with --queue) on workers")
    .requiredOption("--grid <json>", 'values to try, e.g. \'{"lr": [0.001, 0.0003], "hidden": [[16], [32]]}\'')
    .option("--out <dir>", "directory for the runs, one sub-directory each (default: runs/sweep-<model>-<time>)")
    .option("--json", "JSON lines on stdout")
    .action(async (model: string, f: SweepFlags) => {
      const root = path.resolve(f.out ?? defaultRoot(model));
      if (!f.queue) return runHere(model, f, root);
      const base = { ...runSpec(model, f), out: undefined };
      const { enqueueSweep } = await loadQueue();
      const jobs = await enqueueSweep(f.queue, base, parseGrid(f.grid), root, retryOptions(f));
      await reportEnqueued(f.queue, jobs, f);
    });
}
