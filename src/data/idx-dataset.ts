/**
 * 8-bit 28×28 datasets shipped as LeCun's four IDX files (60k train, 10k test): the last 10k of train become the
 * validation split, values are scaled to [0, 1], and a binarized variant draws one seeded Bernoulli per value.
 * MNIST and Fashion-MNIST are both read through this.
 */
import { Generator } from "../tensor/rng.js";
import type { Binarization, Split, SplitName } from "./split.js";

/** The four IDX arrays: images n × 784 bytes, labels n bytes. */
export interface IdxRaw {
  trainX: Uint8Array;
  trainY: Uint8Array;
  testX: Uint8Array;
  testY: Uint8Array;
}

/** A dataset as datasets.ts declares it (kept structural here so that file can import this one). */
export interface IdxDataset {
  readonly name: string;
  readonly binarization: Binarization;
  readonly source: string;
  split(name: SplitName): Split;
}

export const GREY_SHAPE: [number, number, number] = [1, 28, 28];

/** Where each split's rows lie in the raw arrays: train = train[0, 50k), valid = train[50k, 60k), test = test. */
export function idxRows(raw: IdxRaw, split: SplitName): { x: Uint8Array; y: Uint8Array; from: number; to: number } {
  if (split === "test") return { x: raw.testX, y: raw.testY, from: 0, to: raw.testY.length };
  return split === "train"
    ? { x: raw.trainX, y: raw.trainY, from: 0, to: 50000 }
    : { x: raw.trainX, y: raw.trainY, from: 50000, to: 60000 };
}

/** The seed of a split's fixed binarization: 0 train, 1 valid, 2 test. */
export const binarizationSeed = (split: SplitName): number => (split === "train" ? 0 : split === "valid" ? 1 : 2);

/** x ← Bernoulli(x), elementwise, with the given generator. */
export function binarizeInPlace(values: Float32Array, g: Generator): void {
  const chunk = 1 << 20; // draws in 1M chunks (the same stream as one big draw, a fraction of the memory)
  for (let s = 0; s < values.length; s += chunk) {
    const u = g.uniform01(Math.min(chunk, values.length - s));
    for (let i = 0; i < u.length; i++) values[s + i] = u[i]! < values[s + i]! ? 1 : 0;
  }
}

/**
 * A grey 8-bit IDX dataset. `fixed`: one seeded binarization per split; `dynamic`: valid/test fixed the same way,
 * train redrawn each epoch by the loader; `none`: the 8-bit values /255.
 */
export function idxDataset(name: string, binarization: Binarization, source: string, load: () => IdxRaw): IdxDataset {
  const cache = new Map<SplitName, Split>();
  return {
    name,
    binarization,
    source,
    split(split) {
      let s = cache.get(split);
      if (s) return s;
      const { x, y, from, to } = idxRows(load(), split);
      const values = new Float32Array((to - from) * 784);
      for (let i = 0; i < values.length; i++) values[i] = x[from * 784 + i]! / 255;
      if (binarization === "fixed" || (binarization === "dynamic" && split !== "train"))
        binarizeInPlace(values, new Generator(binarizationSeed(split)));
      const labels = Int32Array.from(y.subarray(from, to));
      s = { name: split, n: to - from, dim: 784, shape: GREY_SHAPE, values, labels };
      cache.set(split, s);
      return s;
    },
  };
}
