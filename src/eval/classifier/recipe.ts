/** The classifier's fixed, seeded training recipe and the hash that names its checkpoint. */
import { createHash } from "node:crypto";
import { DEFAULT_ARCH, type ClassifierArch } from "./network.js";

export interface ClassifierRecipe {
  arch: ClassifierArch;
  /** split(s) trained on, of 8-bit MNIST (the `mnist` dataset of src/data/datasets.ts) unless `dataset` says */
  trainSplits: Array<"train" | "valid">;
  /** another labelled dataset of 28 × 28 images with `arch.inChannels` channels (absent: mnist) */
  dataset?: string;
  /** use only the first n training images (null: all); small values are for tests */
  nTrain: number | null;
  epochs: number;
  batchSize: number;
  /** Adam's peak learning rate, decayed by a cosine to 0 over all steps */
  lr: number;
  /** largest random translation, in pixels, applied to each training image (augmentation) */
  shift: number;
  seed: number;
}

export const DEFAULT_RECIPE: ClassifierRecipe = {
  arch: DEFAULT_ARCH,
  trainSplits: ["train"],
  nTrain: null,
  epochs: 4,
  batchSize: 64,
  lr: 2e-3,
  shift: 0,
  seed: 0,
};

// bump when the network code changes in a way the recipe does not show (layer order, activations)
const NETWORK_VERSION = 1;

/** JSON with object keys sorted at every level, so equal recipes always serialize identically. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

/** A short stable hash of the recipe: a cached checkpoint is reused only when it was trained by this exact recipe. */
export function recipeHash(r: ClassifierRecipe): string {
  return createHash("sha256")
    .update(canonicalJson({ network: NETWORK_VERSION, recipe: r }))
    .digest("hex")
    .slice(0, 16);
}
