/**
 * Perturbed datasets, the training data of a background model for likelihood-ratio OOD detection (Ren et al. 2019):
 * `fashion-mnist[noise=0.2]` replaces each value of the train and valid images, with probability μ = 0.2, by a level
 * drawn uniformly from {0, 1/255, …, 1} (8-bit data) or flips it (binary data). The noise is drawn once per split
 * from Generator.derive(0x6e6f6973, split) — a fixed perturbation, not a fresh one each epoch — and the test split
 * is left clean so a run's test NLL is on real images.
 */
import { Generator } from "../tensor/rng.js";
import type { Split, SplitName } from "./split.js";

/** The parts of a dataset this needs (the types of datasets.ts, kept structural to avoid an import circle). */
interface Dataset {
  name: string;
  binarization: string;
  source: string;
  split(name: SplitName): Split;
}

const PATTERN = /^(.+)\[noise=(0(?:\.\d+)?|1)\]$/;
const NOISE_SEED = 0x6e6f6973;

/** `name[noise=μ]` → { base, noise }, or null for a name without it. */
export function parseNoiseName(name: string): { base: string; noise: number } | null {
  const m = PATTERN.exec(name);
  if (!m) return null;
  const noise = Number(m[2]);
  if (!(noise > 0 && noise < 1)) throw new RangeError(`dataset "${name}": noise must be in (0, 1), e.g. 0.2`);
  return { base: m[1]!, noise };
}

export const noiseName = (base: string, noise: number): string => `${base}[noise=${noise}]`;

/** Values perturbed with probability μ each: flipped (binary) or replaced by a uniform 8-bit level. */
export function perturb(values: Float32Array, noise: number, binary: boolean, g: Generator): Float32Array {
  const out = Float32Array.from(values);
  const hit = g.uniform01(values.length),
    level = binary ? null : g.integers(values.length, 256);
  for (let i = 0; i < out.length; i++) {
    if (hit[i]! >= noise) continue;
    out[i] = level ? level[i]! / 255 : 1 - out[i]!;
  }
  return out;
}

const SPLIT_ID: Record<SplitName, number> = { train: 0, valid: 1, test: 2 };

export function noisyDataset<D extends Dataset>(base: D, noise: number): D {
  if (base.binarization === "dynamic")
    throw new RangeError(`dataset "${base.name}": noise needs fixed data (a -fixed or 8-bit dataset)`);
  const binary = base.binarization === "fixed";
  const cache = new Map<SplitName, Split>();
  return {
    ...base,
    name: noiseName(base.name, noise),
    split(s: SplitName) {
      const clean = base.split(s);
      if (s === "test") return clean;
      let out = cache.get(s);
      if (!out) {
        const values = perturb(clean.values, noise, binary, Generator.derive(NOISE_SEED, SPLIT_ID[s]));
        out = { ...clean, values };
        cache.set(s, out);
      }
      return out;
    },
  } as D;
}
