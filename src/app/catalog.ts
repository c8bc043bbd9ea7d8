/** What can be trained: every registered model with its capabilities, options (with JSON Schema) and recipes. */
import {
  CAPABILITY_TEXT,
  defaultOptions,
  describeOptions,
  getModelSpec,
  listModels,
  optionsJsonSchema,
  type Capability,
  type ModelSpec,
  type Recipe,
} from "../models/index.js";
import { capabilitiesOf } from "./capabilities.js";

export interface ModelInfo {
  name: string;
  family: ModelSpec["family"];
  description: string;
  capabilities: readonly Capability[];
  /** the capabilities in words */
  can: string[];
  defaultConfig: Record<string, unknown>;
  options: Array<{ name: string; default: unknown; description: string }>;
  optionsSchema: Record<string, unknown>;
  recipe: Recipe;
  recipes: Record<string, Recipe>;
  published?: ModelSpec["published"];
}

export function describeModel(name: string): ModelInfo {
  const s = getModelSpec(name);
  const caps = capabilitiesOf(s);
  return {
    name: s.name,
    family: s.family,
    description: s.description,
    capabilities: caps,
    can: caps.map((c) => CAPABILITY_TEXT[c]),
    defaultConfig: defaultOptions(s),
    options: describeOptions(s.options),
    optionsSchema: optionsJsonSchema(s.options),
    recipe: s.recipe,
    recipes: { default: s.recipe, ...(s.recipes ?? {}) } as Record<string, Recipe>,
    ...(s.published ? { published: s.published } : {}),
  };
}

export function listModelInfo(): ModelInfo[] {
  return listModels().map((s) => describeModel(s.name));
}
