/**
 * `reproduce`: the published table, by one operation. For each model that declares a published figure, run its
 * `full` recipe (or its `default` one, or its `short` smoke recipe) in `<runs>/<model>-<budget>` — resuming a run
 * that was interrupted and reading one that finished — and tabulate test NLL, estimator, binarization, the published
 * number and the gap, the wall-clock and the machine, as JSON rows and as Markdown.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getBackend, getNumThreads, nativeAddon } from "../backend/registry.js";
import { getModelSpec, listModels, type ModelSpec, type Recipe } from "../models/index.js";
import { readConfig } from "../train/checkpoint.js";
import { fit, type FitHooks } from "./fit.js";
import { readEpochRecords } from "./runs-index.js";
import type { RunSpec } from "./run-spec.js";

export type Budget = "full" | "default" | "short";
export const BUDGETS: readonly Budget[] = ["full", "default", "short"];

export interface ReproduceOptions {
  models?: string[];
  budget?: Budget;
  runs?: string;
  dataDir?: string;
  /** only read finished runs: a model whose run has not finished gets a "not run" row instead of a training run */
  readOnly?: boolean;
  /** called before each model's run starts or is read */
  onModel?(model: string, index: number, total: number): void;
  /** the hooks of each model's `fit` */
  hooks?: FitHooks;
}

export interface ReproductionRow {
  model: string;
  budget: Budget;
  command: string;
  status: string;
  nll_nats: number | null;
  estimator: string | null;
  binarization: string | null;
  dataset: string;
  published_nll_nats: number | null;
  published_source: string | null;
  /** ours − published, in nats (positive: we are behind) */
  gap_nats: number | null;
  train_seconds: number | null;
  machine: string;
  run_dir: string;
}

/** The models of the table: those that declare a published figure, in registration order. */
export function reproducibleModels(): ModelSpec[] {
  return listModels().filter((s) => s.published !== undefined);
}

export function machineDescription(): string {
  const simd = nativeAddon()?.simd() ?? "none";
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${cpu}, ${os.availableParallelism()} cores, ${getBackend().name} ${simd}, ${getNumThreads()} threads`;
}

function recipeFor(spec: ModelSpec, budget: Budget): Recipe | null {
  return budget === "default" ? spec.recipe : (spec.recipes?.[budget] ?? null);
}

/** `deepgen train` with the budget's recipe; the default recipe needs no flag. */
const trainCommand = (model: string, budget: Budget, out: string): string =>
  `deepgen train ${model}${budget === "default" ? "" : ` --recipe ${budget}`} --out ${out}`;

/** The run a model's row comes from. */
function rowSpec(spec: ModelSpec, budget: Budget, runDir: string, dataDir?: string): RunSpec {
  return {
    model: spec.name,
    recipe: budget,
    out: runDir,
    resume: existsSync(path.join(runDir, "config.json")),
    ...(dataDir ? { dataDir } : {}),
  };
}

/** The runs still to do for a table (models with a recipe for the budget whose runs have not finished). */
export function reproducePlan(o: ReproduceOptions = {}): RunSpec[] {
  const budget = o.budget ?? "short";
  const specs = o.models?.length ? o.models.map(getModelSpec) : reproducibleModels();
  const runs = path.resolve(o.runs ?? "runs");
  return specs
    .filter((s) => recipeFor(s, budget) && !finishedMetrics(path.join(runs, `${s.name}-${budget}`)))
    .map((s) => rowSpec(s, budget, path.join(runs, `${s.name}-${budget}`), o.dataDir));
}

export async function reproduce(o: ReproduceOptions = {}): Promise<ReproductionRow[]> {
  const budget = o.budget ?? "short";
  const specs = o.models?.length ? o.models.map(getModelSpec) : reproducibleModels();
  const runs = path.resolve(o.runs ?? "runs");
  const rows: ReproductionRow[] = [];
  for (const [i, spec] of specs.entries()) {
    o.onModel?.(spec.name, i, specs.length);
    const runDir = path.join(runs, `${spec.name}-${budget}`);
    // the command as a user would type it here: the run directory relative to the working directory when inside it
    const shown = path.relative(process.cwd(), runDir);
    const out = shown && !shown.startsWith("..") && !path.isAbsolute(shown) ? shown : runDir;
    const command = trainCommand(spec.name, budget, out);
    const base = {
      model: spec.name,
      budget,
      command,
      published_nll_nats: spec.published?.nll_nats ?? null,
      published_source: spec.published?.source ?? null,
      machine: machineDescription(),
      run_dir: runDir,
    };
    const recipe = recipeFor(spec, budget);
    if (!recipe) {
      rows.push({ ...base, ...empty(spec.recipe.dataset), status: `no ${budget} recipe` });
      continue;
    }
    const done = finishedMetrics(runDir);
    if (!done && o.readOnly) {
      rows.push({ ...base, ...empty(recipe.dataset), status: unfinishedStatus(runDir, recipe.epochs) });
      continue;
    }
    const metrics = done ?? (await fit(rowSpec(spec, budget, runDir, o.dataDir), o.hooks)).metrics;
    if (!metrics) {
      rows.push({ ...base, ...empty(recipe.dataset), status: "stopped before a test figure" });
      continue;
    }
    const nll = Number(metrics.nll_nats);
    rows.push({
      ...base,
      status: String(metrics.status ?? "finished"),
      nll_nats: nll,
      estimator: String(metrics.estimator),
      binarization: String(metrics.binarization),
      dataset: recipe.dataset,
      gap_nats: spec.published ? nll - spec.published.nll_nats : null,
      train_seconds: Number(metrics.train_seconds),
    });
  }
  return rows;
}

function empty(dataset: string) {
  return { nll_nats: null, estimator: null, binarization: null, dataset, gap_nats: null, train_seconds: null };
}

/**
 * What a run without test metrics got to: "not run" when there is none, else its epochs and best validation NLL (a
 * run stopped before its recipe's end is scored on test only when it finishes).
 */
function unfinishedStatus(runDir: string, epochs: number): string {
  const scored = readEpochRecords(runDir).filter((r) => typeof r.valid_nll_nats === "number");
  if (scored.length === 0) return existsSync(path.join(runDir, "config.json")) ? "started, no epoch yet" : "not run";
  const best = Math.min(...scored.map((r) => r.valid_nll_nats!));
  return `unfinished: ${scored.length} of ${epochs} epochs, best valid ${best.toFixed(2)}`;
}

/** The recorded test metrics of a finished run, or null. */
function finishedMetrics(runDir: string): Record<string, unknown> | null {
  if (!existsSync(path.join(runDir, "config.json"))) return null;
  const m = readConfig(runDir).metrics;
  return m && typeof m.nll_nats === "number" ? m : null;
}

const BUDGET_NOTE: Record<Budget, string> = {
  full: "",
  default:
    " **Default budget: each model's default recipe (plain `deepgen train <model>`), not the published training.**",
  short: " **Short budget: smoke recipes of minutes, not the published training.**",
};

const num = (v: number | null, d = 2): string => (v === null ? "—" : v.toFixed(d));

/** The table as Markdown, with how it was measured. */
export function reproductionMarkdown(rows: ReproductionRow[], when = new Date()): string {
  const budget = rows[0]?.budget ?? "short";
  const lines = [
    `Generated by \`deepgen reproduce --budget ${budget}\` on ${when.toISOString().slice(0, 16)}Z, ` +
      `${rows[0]?.machine ?? machineDescription()}. Test split, NLL in nats per image (lower is better).` +
      BUDGET_NOTE[budget],
    "",
    "| model | test NLL | estimator | binarization | published | gap | wall-clock | status | command |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows)
    lines.push(
      `| ${r.model} | ${num(r.nll_nats)} | ${r.estimator ?? "—"} | ${r.binarization ?? "—"} | ` +
        `${num(r.published_nll_nats)}${r.published_source ? ` (${r.published_source})` : ""} | ${num(r.gap_nats)} | ` +
        `${r.train_seconds === null ? "—" : `${r.train_seconds.toFixed(0)} s`} | ${r.status} | \`${r.command}\` |`,
    );
  return lines.join("\n") + "\n";
}

const sectionStart = (budget: Budget): string =>
  `<!-- generated by \`deepgen reproduce --budget ${budget} --write\`: edits between these markers are overwritten -->`;
const SECTION_END = "<!-- end of generated table -->";

/**
 * `document` with the table of `budget` put between its markers: the old table replaced, or a new section appended
 * under its own heading when the document has none. Everything outside the markers — the prose — is kept as is.
 */
export function withGeneratedTable(document: string, markdown: string, budget: Budget): string {
  const start = sectionStart(budget);
  const block = `${start}\n${markdown.trimEnd()}\n${SECTION_END}`;
  const from = document.indexOf(start);
  if (from >= 0) {
    const to = document.indexOf(SECTION_END, from);
    if (to < 0) throw new RangeError(`the generated table's start marker has no end marker ("${SECTION_END}")`);
    return document.slice(0, from) + block + document.slice(to + SECTION_END.length);
  }
  const heading = `## Generated table: \`deepgen reproduce --budget ${budget}\``;
  const sep = document.length === 0 ? "" : document.endsWith("\n") ? "\n" : "\n\n";
  return `${document}${sep}${heading}\n\n${block}\n`;
}
