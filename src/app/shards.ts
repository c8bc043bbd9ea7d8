/**
 * Evaluation in shards: the NLL of a range of a split's images, and the combination of ranges into the whole split's
 * figure. Each batch draws from its own stream, `Generator.derive(seed, EVAL_STREAM, batch)` with `batch` counted from
 * the split's first image, so an image's estimate (e.g. IWAE-k's log-mean-exp over its k samples) is the same whichever
 * shard evaluates it: any batch-aligned partition sums to the same total as one range over the whole split, up to the
 * order of the floating-point additions. (`evaluate` draws one stream through the whole split instead; for exact
 * estimators the two agree, for sampled ones they are two draws of the same estimator.)
 */
import type { Split } from "../data/datasets.js";
import { evaluateNll } from "../eval/likelihood.js";
import { isScorer } from "../models/index.js";
import { Generator } from "../tensor/rng.js";
import { requireCapability } from "./capabilities.js";
import { checkSplit, openRun, runDataset } from "./runs.js";

/** Path element of the evaluation streams (distinct from the training streams derived from the same seed). */
const EVAL_STREAM = 0x65766c;

export interface ShardRange {
  start: number;
  end: number;
}

export interface RangeOptions extends ShardRange {
  split?: string;
  dataDir?: string;
  batchSize?: number;
  /** images done so far in this range, after every batch */
  onProgress?(done: number, total: number): void;
}

/** A shard's partial result: enough to combine shards without their per-image values. */
export interface ShardResult extends ShardRange {
  model: string;
  dataset: string;
  split: string;
  binarization: string;
  estimator: string;
  dim: number;
  /** Σ −log p(x) over the range's images, nats */
  sum_nll_nats: number;
  n: number;
}

export interface CombinedResult {
  model: string;
  dataset: string;
  split: string;
  binarization: string;
  estimator: string;
  nll_nats: number;
  bits_per_dim: number;
  n: number;
  shards: number;
}

/** Batch-aligned ranges covering [0, n): the batches are dealt out as evenly as possible, at most `shards` ranges. */
export function planShards(n: number, shards: number, batchSize = 500): ShardRange[] {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`);
  checkBatchSize(batchSize);
  const nBatches = Math.ceil(n / batchSize),
    k = Math.min(shards, nBatches);
  const out: ShardRange[] = [];
  for (let s = 0, b = 0; s < k; s++) {
    const take = Math.floor(nBatches / k) + (s < nBatches % k ? 1 : 0);
    out.push({ start: b * batchSize, end: Math.min(n, (b + take) * batchSize) });
    b += take;
  }
  return out;
}

function checkBatchSize(b: number): void {
  if (!Number.isInteger(b) || b < 1) throw new RangeError(`batch size must be a positive integer, got ${b}`);
}

/** The rows [start, end) of a split, sharing its storage. */
function subSplit(s: Split, start: number, end: number): Split {
  return {
    ...s,
    n: end - start,
    values: s.values.subarray(start * s.dim, end * s.dim),
    labels: s.labels ? s.labels.subarray(start, end) : null,
  };
}

/** The summed NLL of images [start, end) of a split under a trained run (one shard of a longer evaluation). */
export function evaluateRange(target: string, o: RangeOptions): ShardResult {
  const run = openRun(target);
  const model = requireCapability(run.model, run.config.model, isScorer, "exact-density", "evaluate a likelihood");
  const split = checkSplit(o.split ?? "test");
  const batchSize = o.batchSize ?? 500;
  checkBatchSize(batchSize);
  const ds = runDataset(run, o.dataDir ? { dataDir: o.dataDir } : {});
  const data = ds.split(split);
  const { start, end } = o;
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= data.n))
    throw new RangeError(`image range ${start}:${end} is not inside the ${split} split's 0:${data.n}`);
  if (start % batchSize !== 0)
    throw new RangeError(
      `image range ${start}:${end} must start at a multiple of the batch size ${batchSize}, so that every ` +
        `partition of the split evaluates the same batches with the same random streams`,
    );
  let sum = 0,
    estimator = "exact";
  for (let at = start; at < end; at += batchSize) {
    const stop = Math.min(end, at + batchSize);
    const seed = Generator.derive(run.config.seed, EVAL_STREAM, at / batchSize).uint32(1)[0]!;
    const r = evaluateNll(model, subSplit(data, at, stop), { batchSize, seed });
    sum += r.nll_nats * r.n;
    estimator = r.estimator;
    o.onProgress?.(stop - start, end - start);
  }
  return {
    model: run.config.model,
    dataset: run.config.dataset,
    split,
    binarization: ds.binarization,
    estimator,
    dim: data.dim,
    start,
    end,
    sum_nll_nats: sum,
    n: end - start,
  };
}

/** The split's average NLL from its shards; refuses shards that overlap, leave gaps or come from different runs. */
export function combineShards(parts: readonly ShardResult[]): CombinedResult {
  if (parts.length === 0) throw new RangeError("no shard results to combine");
  const sorted = [...parts].sort((a, b) => a.start - b.start);
  const first = sorted[0]!;
  let next = 0,
    sum = 0,
    n = 0;
  for (const p of sorted) {
    if (p.start !== next) throw new RangeError(`shards leave images ${next}:${p.start} out or count them twice`);
    for (const k of ["model", "dataset", "split", "estimator", "dim"] as const)
      if (p[k] !== first[k]) throw new RangeError(`shards disagree on ${k}: ${String(first[k])} vs ${String(p[k])}`);
    next = p.end;
    sum += p.sum_nll_nats;
    n += p.n;
  }
  const nll = sum / n;
  return {
    model: first.model,
    dataset: first.dataset,
    split: first.split,
    binarization: first.binarization,
    estimator: first.estimator,
    nll_nats: nll,
    bits_per_dim: nll / (first.dim * Math.LN2),
    n,
    shards: parts.length,
  };
}
