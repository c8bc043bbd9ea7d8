/**
 * Datasets restricted to some classes, for one-class anomaly detection: `mnist-fixed[digits=3]` trains and validates on
 * the 3s only and tests on the whole test split (its labels say which images are of the trained classes).
 */

/**
 * The parts of a split and a dataset this needs (the types of datasets.ts, kept structural to avoid an import circle).
 */
interface Split {
  n: number;
  dim: number;
  values: Float32Array;
  labels: Int32Array | null;
}
interface Dataset<S extends Split, N extends string> {
  name: string;
  binarization: string;
  source: string;
  split(name: N): S;
}

const PATTERN = /^(.+)\[digits=(\d(?:,\d)*)\]$/;

/** `name[digits=a,b]` → { base, digits }, or null for a plain name. */
export function parseSubsetName(name: string): { base: string; digits: number[] } | null {
  const m = PATTERN.exec(name);
  return m ? { base: m[1]!, digits: m[2]!.split(",").map(Number) } : null;
}

export const subsetName = (base: string, digits: number[]): string => `${base}[digits=${digits.join(",")}]`;

function keep<S extends Split>(split: S, digits: Set<number>, name: string): S {
  if (!split.labels) throw new RangeError(`dataset "${name}" has no labels to select digits by`);
  const rows: number[] = [];
  split.labels.forEach((y, i) => {
    if (digits.has(y)) rows.push(i);
  });
  const values = new Float32Array(rows.length * split.dim);
  rows.forEach((r, i) => values.set(split.values.subarray(r * split.dim, (r + 1) * split.dim), i * split.dim));
  return { ...split, n: rows.length, values, labels: Int32Array.from(rows, (r) => split.labels![r]!) };
}

export function classSubset<S extends Split, N extends string, D extends Dataset<S, N>>(base: D, digits: number[]): D {
  const set = new Set(digits),
    name = subsetName(base.name, digits);
  const cache = new Map<N, S>();
  return {
    ...base,
    name,
    binarization: base.binarization,
    source: base.source,
    split(s) {
      let out = cache.get(s);
      if (!out) {
        out = s === "test" ? base.split(s) : keep(base.split(s), set, base.name);
        cache.set(s, out);
      }
      return out;
    },
  } as D;
}
