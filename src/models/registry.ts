/** The model registry: name → { create, defaultConfig, recipe }. A model registers itself in one line. */
import type { ScheduleSpec } from "../optim/schedule.js";
import type { Generator } from "../tensor/rng.js";
import type { DataShape, GenerativeModel } from "./base.js";

/** How to train a model to its published number: the defaults of `deepgen train <model>`. */
export interface Recipe {
  dataset: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer?: "adam" | "adamw" | "sgd" | "rmsprop";
  weightDecay?: number;
  schedule?: ScheduleSpec;
  /** stop after this many epochs without a better validation NLL */
  patience?: number;
  clipNorm?: number;
  /** what the recipe reproduces, with its source */
  reference?: string;
  /** model options the reproduction uses on top of the defaults (the user's --config still wins) */
  options?: Record<string, unknown>;
}

export interface ModelSpec<C extends object = Record<string, unknown>> {
  name: string;
  description: string;
  family: "autoregressive" | "latent" | "adversarial";
  defaultConfig: C;
  recipe: Recipe;
  create(config: C, data: DataShape, generator: Generator): GenerativeModel;
}

const registry = new Map<string, ModelSpec>();

export function registerModel<C extends object>(spec: ModelSpec<C>): void {
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

/** Overlays user options on the defaults, rejecting keys the model does not have. */
export function mergeConfig<C extends object>(spec: ModelSpec<C>, overrides: Record<string, unknown>): C {
  const unknown = Object.keys(overrides).filter((k) => !(k in spec.defaultConfig));
  if (unknown.length > 0)
    throw new RangeError(
      `model "${spec.name}" has no option "${unknown[0]}"; options: ${Object.keys(spec.defaultConfig).join(", ")}`,
    );
  return { ...spec.defaultConfig, ...overrides } as C;
}
