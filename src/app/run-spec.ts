/**
 * A run specification — model, recipe, options, training settings, data, seed, output — resolved into a validated
 * run config before anything is written: bad options, settings or datasets fail at the door with one message, and a
 * run directory is only created once all of them hold.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { datasetInfo, resolveDataDir } from "../data/datasets.js";
import {
  getModelSpec,
  getRecipe,
  OptionsError,
  parseRecipe,
  resolveOptions,
  type ModelSpec,
  type Recipe,
  type RecipeName,
} from "../models/index.js";
import { readConfig, type RunConfig } from "../train/checkpoint.js";
import { VERSION } from "../version.js";

export interface RunSpec {
  model: string;
  /** which of the model's recipes to start from (default: "default") */
  recipe?: RecipeName;
  /**
   * a JSON config: a file path, or the JSON text itself (`{"options": {…}, "training": {…}}` or one flat object)
   */
  config?: string;
  /** model options over the recipe's and the config's */
  options?: Record<string, unknown>;
  /** training settings over the recipe's and the config's (e.g. from command-line flags) */
  training?: Partial<Recipe>;
  dataDir?: string;
  seed?: number;
  /** run directory (default: runs/<model>-<time>) */
  out?: string;
  /** continue the run in `out` from its last saved position */
  resume?: boolean;
  /**
   * start a new run from these weights (a run directory or a .safetensors file) instead of a fresh initialisation:
   * the same parameter names and shapes, e.g. an IWAE from a trained VAE; a resumed run keeps its own
   */
  init?: string;
  /** stop after this many training steps (saving a checkpoint every reading command accepts) */
  maxSteps?: number;
}

const RECIPE_KEYS = new Set([
  "dataset",
  "epochs",
  "batchSize",
  "lr",
  "optimizer",
  "weightDecay",
  "schedule",
  "patience",
  "validEvery",
  "clipNorm",
]);

export interface ConfigSource {
  options: Record<string, unknown>;
  training: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A config from a file path or inline JSON: {"options": {…}, "training": {…}}, or one flat object routed by key.
 */
export function readConfigSource(source: string): ConfigSource {
  const inline = source.trimStart().startsWith("{");
  const where = inline ? "config" : `config ${source}`;
  if (!inline && !existsSync(source)) throw new OptionsError(`${where}: no such file (pass a path or inline JSON)`);
  let raw: unknown;
  try {
    raw = JSON.parse(inline ? source : readFileSync(source, "utf8"));
  } catch (e) {
    throw new OptionsError(`${where}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (!isObject(raw)) throw new OptionsError(`${where}: expected a JSON object`);
  if ("options" in raw || "training" in raw) {
    const extra = Object.keys(raw).filter((k) => k !== "options" && k !== "training");
    if (extra.length) throw new OptionsError(`${where}: unexpected key "${extra[0]}" beside "options" and "training"`);
    const options = raw.options ?? {},
      training = raw.training ?? {};
    if (!isObject(options)) throw new OptionsError(`${where}: "options" must be an object`);
    if (!isObject(training)) throw new OptionsError(`${where}: "training" must be an object`);
    return { options, training };
  }
  const out: ConfigSource = { options: {}, training: {} };
  for (const [k, v] of Object.entries(raw)) (RECIPE_KEYS.has(k) ? out.training : out.options)[k] = v;
  return out;
}

function checkCount(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min))
    throw new OptionsError(`${name} must be an integer ≥ ${min}, got ${v}`);
}

export const defaultRunDir = (model: string): string =>
  path.resolve("runs", `${model}-${new Date().toISOString().replace(/[:.]/g, "-")}`);

export interface ResolvedRun {
  spec: ModelSpec;
  config: RunConfig;
  runDir: string;
  /** a new run (config to be written) or one continued from its config.json */
  fresh: boolean;
  /** things the user should know (e.g. a run that saved nothing being started again) */
  notices: string[];
}

/** Validates everything a run needs; writes nothing. */
export function resolveRun(s: RunSpec): ResolvedRun {
  const spec = getModelSpec(s.model);
  checkCount("seed", s.seed, 0);
  checkCount("maxSteps", s.maxSteps, 1);
  const runDir = path.resolve(s.out ?? defaultRunDir(s.model));
  const configFile = path.join(runDir, "config.json");
  const saved = ["last.safetensors", "best.safetensors"].some((f) => existsSync(path.join(runDir, f)));
  const notices: string[] = [];
  if (existsSync(configFile) && s.resume) {
    const config = readConfig(runDir);
    if (config.model !== s.model) throw new OptionsError(`${runDir} holds a "${config.model}" run, not "${s.model}"`);
    if (!saved) notices.push(`${runDir} holds a run that saved no position yet; starting it from step 0`);
    const epochs = s.training?.epochs;
    // extending a finished run is allowed; everything else comes from its config
    config.training = parseRecipe(`${s.model} training`, { ...config.training, ...(epochs ? { epochs } : {}) });
    config.options = resolveOptions(spec, config.options);
    return { spec, config, runDir, fresh: false, notices };
  }
  if (existsSync(configFile) && saved)
    throw new OptionsError(`${runDir} already holds a run; resume it, or start a new one in another directory`);
  if (existsSync(configFile))
    notices.push(`${runDir} holds a run that saved nothing yet; starting a new one in its place`);
  else if (s.resume) notices.push(`${runDir} holds no run to resume; starting a new one there from step 0`);
  const file = s.config ? readConfigSource(s.config) : { options: {}, training: {} };
  const base = getRecipe(spec, s.recipe);
  const { options: recipeOptions, ...recipe } = base;
  const options = resolveOptions(spec, { ...(recipeOptions ?? {}), ...file.options, ...(s.options ?? {}) });
  const training = parseRecipe(`${s.model} training`, { ...recipe, ...file.training, ...(s.training ?? {}) });
  const info = datasetInfo(training.dataset);
  const config: RunConfig = {
    format: 1,
    deepgen: VERSION,
    model: s.model,
    options,
    dataset: training.dataset,
    ...(info.needsDataDir ? { dataDir: resolveDataDir(s.dataDir) } : {}),
    dim: 0,
    shape: [1, 1, 1],
    seed: s.seed ?? 0,
    training,
  };
  return { spec, config, runDir, fresh: true, notices };
}
