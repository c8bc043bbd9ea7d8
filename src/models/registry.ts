/**
 * The model registry: name → { description, family, options schema, recipes, published number, create }. A model
 * registers itself with one `registerModel` call at the end of its file; commands, the studio and the queue find it
 * here and never name it.
 */
import type { Generator } from "../tensor/rng.js";
import type { DataShape, GenerativeModel } from "./base.js";
import { parseOptions, type OptionsOf, type OptionsSchema } from "./options.js";
import type { Recipe } from "./recipe.js";

export type RecipeName = "default" | "full" | "short" | "one-class";

export interface ModelSpec<S extends OptionsSchema = OptionsSchema> {
  name: string;
  description: string;
  family: "autoregressive" | "latent" | "adversarial" | "classifier";
  options: S;
  /** the default recipe of `deepgen train <model>` */
  recipe: Recipe;
  /** further named recipes (`--recipe full|short|one-class`; one-class: per-digit runs of `deepgen anomaly`) */
  recipes?: Partial<Record<Exclude<RecipeName, "default">, Recipe>>;
  /** the published figure this model is held against, with its source */
  published?: { nll_nats: number; source: string; data: string };
  create(options: OptionsOf<S>, data: DataShape, generator: Generator): GenerativeModel;
}

const registry = new Map<string, ModelSpec>();

/**
 * The usual pair of named recipes: `full` is the reproduction recipe itself; `short` is a smoke run of minutes on two
 * cores (the same settings for `epochs` epochs without early stopping, with `options` on top).
 */
export function reproductionRecipes(
  recipe: Recipe,
  short: { epochs: number; options?: Record<string, unknown>; batchSize?: number },
): NonNullable<ModelSpec["recipes"]> {
  const { patience: _patience, schedule: _schedule, ...rest } = recipe;
  return {
    full: recipe,
    short: {
      ...rest,
      epochs: short.epochs,
      ...(short.batchSize ? { batchSize: short.batchSize } : {}),
      options: { ...(recipe.options ?? {}), ...(short.options ?? {}) },
      reference: `short smoke run of ${recipe.reference ?? "the recipe"}`,
    },
  };
}

export function registerModel<S extends OptionsSchema>(spec: ModelSpec<S>): void {
  if (registry.has(spec.name)) throw new Error(`registerModel: "${spec.name}" is already registered`);
  registry.set(spec.name, spec as unknown as ModelSpec);
}

export function getModelSpec(name: string): ModelSpec {
  const s = registry.get(name);
  if (!s) throw new RangeError(`unknown model "${name}"; known: ${[...registry.keys()].join(", ")}`);
  return s;
}

export function listModels(): ModelSpec[] {
  return [...registry.values()];
}

/** The model's defaults (every option), as JSON. */
export function defaultOptions(spec: ModelSpec): Record<string, unknown> {
  return spec.options.parse({}) as Record<string, unknown>;
}

/** Validates options (missing ones take their defaults); the message names the model, the option and its rule. */
export function resolveOptions(spec: ModelSpec, raw: unknown): Record<string, unknown> {
  return parseOptions(spec.name, spec.options, raw) as Record<string, unknown>;
}

/** Builds a model from raw JSON options, validated first. */
export function createModel(spec: ModelSpec, raw: unknown, data: DataShape, generator: Generator): GenerativeModel {
  return spec.create(resolveOptions(spec, raw), data, generator);
}

/** A named recipe of a model, or an error listing the ones it has. */
export function getRecipe(spec: ModelSpec, name: RecipeName = "default"): Recipe {
  if (name === "default") return spec.recipe;
  const r = spec.recipes?.[name];
  if (!r) {
    const names = ["default", ...Object.keys(spec.recipes ?? {})].join(", ");
    throw new RangeError(`model "${spec.name}" has no "${name}" recipe; it has: ${names}`);
  }
  return r;
}
export type { Recipe, ScheduleSpec } from "./recipe.js";
