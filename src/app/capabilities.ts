/**
 * Asking a model what it can do, and saying plainly when it cannot: `autoencoder cannot sample: it has no prior over
 * its codes; models that can: vae, iwae, …`.
 */
import {
  CAPABILITY_TEXT,
  type Capability,
  type GenerativeModel,
  type ModelSpec,
  createModel,
  listModels,
} from "../models/index.js";
import { Generator } from "../tensor/rng.js";

export class CapabilityError extends Error {}

const TINY = { dim: 4, shape: [1, 2, 2] as [number, number, number] };
const cache = new Map<string, readonly Capability[]>();

/** What a registered model can do, read off a tiny instance with default options (cached). */
export function capabilitiesOf(spec: ModelSpec): readonly Capability[] {
  let c = cache.get(spec.name);
  if (!c) {
    c = createModel(spec, {}, TINY, new Generator(0)).capabilities;
    cache.set(spec.name, c);
  }
  return c;
}

/** Why a model lacks a capability, when the reason is not obvious from its family. */
const REASONS: Partial<Record<Capability, string>> = {
  sampler: "it has no prior to sample from",
  completer: "it has no conditional to sample missing pixels from",
  latent: "it has no encoder",
  "exact-density": "its likelihood is not tractable",
  "class-conditional": "it was built without class conditioning (see its options, e.g. `classes`)",
  truncation: "its samples are not drawn through one Gaussian input z that could be truncated",
  rejection:
    "it has no logistic discriminator of an unconditional pair, whose logit would estimate log p_data − log p_g " +
    "(see its options, e.g. `discriminatorLoss`, `classes`)",
};

/** Throws a CapabilityError unless `guard(model)`; the message lists the registered models that can. */
export function requireCapability<T extends GenerativeModel>(
  model: GenerativeModel,
  name: string,
  guard: (m: GenerativeModel) => m is T,
  what: Capability,
  verb: string,
): T {
  if (guard(model)) return model;
  const others = listModels()
    .filter((s) => capabilitiesOf(s).includes(what))
    .map((s) => s.name);
  throw new CapabilityError(
    `${name} cannot ${verb}: ${REASONS[what] ?? `it has no ${CAPABILITY_TEXT[what]}`}` +
      (others.length ? `; try ${others.join(", ")}` : ""),
  );
}
