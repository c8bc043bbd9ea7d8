/** Minibatches over a split: seeded shuffling, optional dynamic binarization, tensors shaped for the model. */
import { tensor } from "../tensor/create.js";
import { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Split } from "./datasets.js";

export interface Batch {
  /** [B, dim] values (binarized if dynamic) */
  x: Tensor;
  labels: Int32Array | null;
  /** indices of the rows in the split */
  indices: Int32Array;
}

export interface BatchOptions {
  batchSize: number;
  /** shuffle with Generator.derive(seed, epoch) (no shuffle when seed is undefined) */
  seed?: number;
  epoch?: number;
  /** redraw a binarization for each batch from Generator.derive(seed, epoch, batch) */
  dynamic?: boolean;
  dropLast?: boolean;
  /** first batch to produce (for resuming mid-epoch) */
  startBatch?: number;
}

export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * The batches of one epoch. Every random choice is a pure function of (seed, epoch, batch), so an epoch resumed at
 * batch b produces exactly the batches an uninterrupted run would have.
 */
export function* batches(split: Split, o: BatchOptions): IterableIterator<Batch> {
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1)
    throw new RangeError(`batches: batch size must be a positive integer, got ${o.batchSize}`);
  if (o.dynamic && o.seed === undefined) throw new RangeError("batches: dynamic binarization needs a seed");
  const epoch = o.epoch ?? 0;
  const order =
    o.seed !== undefined
      ? Generator.derive(o.seed, epoch).permutation(split.n)
      : Int32Array.from({ length: split.n }, (_, i) => i);
  const count = batchCount(split.n, o.batchSize, o.dropLast);
  for (let b = o.startBatch ?? 0; b < count; b++) {
    const idx = order.subarray(b * o.batchSize, Math.min(split.n, (b + 1) * o.batchSize));
    const x = new Float32Array(idx.length * split.dim);
    idx.forEach((r, i) => x.set(split.values.subarray(r * split.dim, (r + 1) * split.dim), i * split.dim));
    if (o.dynamic) {
      const u = Generator.derive(o.seed!, epoch, b).uniform01(x.length);
      for (let i = 0; i < x.length; i++) x[i] = u[i]! < x[i]! ? 1 : 0;
    }
    yield {
      x: tensor(x, [idx.length, split.dim]),
      labels: split.labels ? Int32Array.from(idx, (r) => split.labels![r]!) : null,
      indices: Int32Array.from(idx),
    };
  }
}
