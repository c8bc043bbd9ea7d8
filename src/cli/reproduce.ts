/** `deepgen reproduce [models…]`: run, resume or read each model's reproduction run and print the table. */
import type { Command } from "commander";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  BUDGETS,
  reproduce,
  reproducePlan,
  reproductionMarkdown,
  withGeneratedTable,
  type Budget,
} from "../app/index.js";
import { writeFileAtomic } from "../util/fs.js";
import { loadQueue } from "./queue-lazy.js";
import { reportEnqueued, retryOptions, withQueueFlags, type QueueFlags } from "./jobs.js";
import { note } from "./options.js";

export function reproduceCommand(program: Command): void {
  withQueueFlags(program.command("reproduce"))
    .description("the published-numbers table: run (or resume, or read) each model's recipe and compare")
    .argument("[models...]", "models (default: every model that declares a published figure)")
    .option(
      "--budget <b>",
      "full (each model's full recipe), default (its default recipe) or short (a minutes-long smoke recipe)",
      "short",
    )
    .option("--runs <dir>", "where the runs live: <runs>/<model>-<budget>", "runs")
    .option("--data-dir <dir>", "directory with the binarized MNIST files (default: $DEEPGEN_DATA_DIR or ./data)")
    .option("--json", "the table as JSON on stdout, one object per model")
    .option("--read-only", "only read finished runs into the table (the others are listed as not run)")
    .option("--write <file.md>", "also put the table into this Markdown file between its markers, keeping the prose")
    .action(
      async (
        models: string[],
        o: QueueFlags & {
          budget: string;
          runs: string;
          dataDir?: string;
          json?: boolean;
          write?: string;
          readOnly?: boolean;
        },
      ) => {
        if (!BUDGETS.includes(o.budget as Budget))
          throw new Error(`--budget must be one of ${BUDGETS.join(", ")}, not "${o.budget}"`);
        const base = { models, budget: o.budget as Budget, runs: o.runs, ...(o.dataDir ? { dataDir: o.dataDir } : {}) };
        if (o.queue) {
          const url = o.queue;
          const { enqueueTrain } = await loadQueue();
          const jobs = await Promise.all(reproducePlan(base).map((s) => enqueueTrain(url, s, retryOptions(o))));
          await reportEnqueued(url, jobs, o);
          note(
            "once the runs finish, `deepgen reproduce` with the same arguments (no --queue) reads them into the table",
          );
          return;
        }
        const rows = await reproduce({
          ...base,
          readOnly: !!o.readOnly,
          onModel: (m, i, n) => note(`[${i + 1}/${n}] ${m}`),
          hooks: { onNotice: note },
        });
        const md = reproductionMarkdown(rows);
        writeFileSync(path.join(o.runs, `reproduction-${o.budget}.md`), md);
        writeFileSync(path.join(o.runs, `reproduction-${o.budget}.json`), JSON.stringify(rows, null, 2) + "\n");
        if (o.write) {
          const old = existsSync(o.write) ? readFileSync(o.write, "utf8") : "";
          writeFileAtomic(o.write, withGeneratedTable(old, md, o.budget as Budget));
          note(`table written into ${o.write}`);
        }
        if (o.json) for (const r of rows) console.log(JSON.stringify(r));
        else console.log(md);
      },
    );
}
