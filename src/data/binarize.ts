/**
 * Fresh binarizations of 8-bit images, for scores that average a binary model's −log p over several draws of the same
 * image instead of trusting the one fixed draw a `-fixed` dataset holds (the draw itself adds noise to the score).
 */
import { DATASETS } from "./datasets.js";
import { binarizeInPlace } from "./idx-dataset.js";
import type { Split } from "./split.js";
import { Generator } from "../tensor/rng.js";

/** The 8-bit dataset a binarized one draws from (`mnist-fixed`, `mnist-dynamic` → `mnist`); null when none. */
export function greyName(name: string): string | null {
  const grey = /^(.+)-(?:fixed|dynamic)$/.exec(name)?.[1];
  return grey && DATASETS.some((d) => d.name === grey) ? grey : null;
}

/**
 * Draw k of a split's binarization: each value v becomes 1 with probability v, from Generator.derive(seed, k), so
 * the same (seed, k) gives the same images whatever model scores them.
 */
export function binarizedDraw(grey: Split, seed: number, k: number): Split {
  const values = Float32Array.from(grey.values);
  binarizeInPlace(values, Generator.derive(seed, k));
  return { ...grey, values };
}
