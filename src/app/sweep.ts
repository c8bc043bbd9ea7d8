/**
 * Sweeps: a grid of settings (`{"lr": [1e-3, 3e-4], "hidden": [[16], [32]]}`) expanded into one run spec per point,
 * each with its own run directory under a common root. Keys route as in a flat config: training settings (lr, epochs,
 * batchSize, …) to the training, `seed` to the run's seed, everything else to the model's options. Every spec is
 * validated before any runs.
 */
import path from "node:path";
import { OptionsError } from "../models/index.js";
import { readConfigSource, resolveRun, type RunSpec } from "./run-spec.js";

export type Grid = Record<string, unknown[]>;

export interface SweepPoint {
  /** the grid values of this run */
  point: Record<string, unknown>;
  spec: RunSpec;
}

/** A grid from JSON text: an object whose values are non-empty arrays of the values to try. */
export function parseGrid(text: string): Grid {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new OptionsError(`grid: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new OptionsError('grid: expected a JSON object of value lists, e.g. {"lr": [0.001, 0.0003]}');
  const grid = raw as Record<string, unknown>;
  const keys = Object.keys(grid);
  if (keys.length === 0) throw new OptionsError("grid: give at least one setting to vary");
  for (const k of keys) {
    const v = grid[k];
    if (!Array.isArray(v) || v.length === 0)
      throw new OptionsError(`grid: "${k}" must be a non-empty list of values, e.g. "${k}": [${JSON.stringify(v)}]`);
  }
  return grid as Grid;
}

/** Every combination of the grid's values, the first key varying slowest. */
export function gridPoints(grid: Grid): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [k, values] of Object.entries(grid)) points = points.flatMap((p) => values.map((v) => ({ ...p, [k]: v })));
  return points;
}

const label = (v: unknown): string =>
  (Array.isArray(v) ? v.map(label).join("x") : typeof v === "object" ? JSON.stringify(v) : String(v)).replace(
    /[^A-Za-z0-9.=_+-]/g,
    "_",
  );

/** The directory name of a grid point: model, then key=value for each varied setting. */
export function runName(model: string, point: Record<string, unknown>): string {
  return [model, ...Object.entries(point).map(([k, v]) => `${k}=${label(v)}`)].join("-");
}

/**
 * One run spec per grid point over `base` (the sweep's common settings), in `root`/<run name>; all are resolved (and
 * so validated) before any is returned, so a bad value fails the whole sweep at the door.
 */
export function expandSweep(base: RunSpec, grid: Grid, root: string): SweepPoint[] {
  const names = new Set<string>();
  return gridPoints(grid).map((point) => {
    const { seed, ...settings } = point;
    if (seed !== undefined && !Number.isInteger(seed))
      throw new OptionsError(`grid: "seed" values must be integers, got ${JSON.stringify(seed)}`);
    const routed = readConfigSource(JSON.stringify(settings));
    const name = runName(base.model, point);
    if (names.has(name))
      throw new OptionsError(`grid: two points share the run name ${name}; make the values distinct`);
    names.add(name);
    const spec: RunSpec = {
      ...base,
      options: { ...(base.options ?? {}), ...routed.options },
      training: { ...(base.training ?? {}), ...routed.training },
      out: path.resolve(root, name),
      ...(seed !== undefined ? { seed: seed as number } : {}),
    };
    resolveRun(spec);
    return { point, spec };
  });
}
