/** The representation uses of latent-variable models: embed, probe, reconstruct, interpolate. */
import { loadDataset } from "../data/datasets.js";
import { embedSplit, linearProbe } from "../eval/probe.js";
import { fewLabelAccuracy, knnAccuracy, type Embedded } from "../eval/knn.js";
import { activeUnits } from "../eval/active-units.js";
import { isLatentModel, type GenerativeModel, type LatentModel } from "../models/index.js";
import { noGrad } from "../autograd/tape.js";
import { tensor } from "../tensor/create.js";
import { CapabilityError, requireCapability } from "./capabilities.js";
import type { Images } from "./generate.js";
import { openRun, runSplit, type OpenRun } from "./runs.js";

function latentOf(run: OpenRun): GenerativeModel & LatentModel {
  return requireCapability(run.model, run.config.model, isLatentModel, "latent", "embed images");
}

export function embed(
  target: string,
  o: { data?: string; dataDir?: string; split?: string } = {},
): { values: Float32Array; n: number; dim: number } {
  const run = openRun(target);
  const split = runSplit(run, o.split ?? "test", o);
  const e = embedSplit(latentOf(run), split);
  return { values: e.values, n: split.n, dim: e.dim };
}

export interface ProbeResult {
  model: string;
  data: string;
  latent: number;
  /** latent dimensions whose mean varies over the test images by more than 10⁻² (Burda et al. 2016) */
  active_units: number;
  train_accuracy: number;
  test_accuracy: number;
  n_train: number;
  n_test: number;
}

export function probe(target: string, o: { data?: string; seed?: number; epochs?: number } = {}): ProbeResult {
  const run = openRun(target);
  const model = latentOf(run);
  const data = o.data ?? "mnist-fixed";
  const ds = loadDataset(data);
  const tr = ds.split("train"),
    te = ds.split("test");
  if (!tr.labels || !te.labels) throw new RangeError(`dataset "${data}" has no labels; use mnist-fixed or mnist`);
  const etr = embedSplit(model, tr),
    ete = embedSplit(model, te);
  const r = linearProbe(
    { ...etr, labels: tr.labels },
    { values: ete.values, labels: te.labels },
    o.seed ?? 0,
    o.epochs,
  );
  return {
    model: run.config.model,
    data,
    latent: etr.dim,
    active_units: activeUnits(ete.values, ete.dim),
    train_accuracy: r.trainAccuracy,
    test_accuracy: r.testAccuracy,
    n_train: tr.n,
    n_test: te.n,
  };
}

/** Test images (first n) followed by their reconstructions. */
export function reconstruct(target: string, o: { n?: number; dataDir?: string } = {}): Images {
  const run = openRun(target);
  const model = latentOf(run);
  if (!model.reconstruct) throw new CapabilityError(`${run.config.model} cannot reconstruct: it has no decoder`);
  const split = runSplit(run, "test", o);
  const n = Math.min(o.n ?? 16, split.n),
    D = split.dim,
    x = tensor(split.values.slice(0, n * D), [n, D]);
  const values = Float32Array.from([...x.toArray(), ...noGrad(() => model.reconstruct!(x)).toArray()]);
  return { values, n: 2 * n, shape: split.shape };
}

/** Decodes `steps` points on the straight line between the latent means of test images `from` and `to`. */
export function interpolate(
  target: string,
  o: { from?: number; to?: number; steps?: number; dataDir?: string } = {},
): Images {
  const run = openRun(target);
  const model = latentOf(run);
  if (!model.decodeMean) throw new CapabilityError(`${run.config.model} cannot interpolate: it has no decoder`);
  const split = runSplit(run, "test", o);
  const D = split.dim,
    from = o.from ?? 0,
    to = o.to ?? 1;
  for (const i of [from, to])
    if (!(Number.isInteger(i) && i >= 0 && i < split.n))
      throw new RangeError(`test image ${i} does not exist (the split has ${split.n})`);
  const pair = Float32Array.from([
    ...split.values.subarray(from * D, (from + 1) * D),
    ...split.values.subarray(to * D, (to + 1) * D),
  ]);
  const ends = noGrad(() => model.embed(tensor(pair, [2, D])).toArray());
  const L = ends.length / 2,
    k = Math.max(o.steps ?? 10, 2);
  const z = new Float32Array(k * L);
  for (let s = 0; s < k; s++)
    for (let c = 0; c < L; c++) z[s * L + c] = ends[c]! + ((ends[L + c]! - ends[c]!) * s) / (k - 1);
  const values = Float32Array.from(noGrad(() => model.decodeMean!(tensor(z, [k, L]))).toArray());
  return { values, n: k, shape: split.shape };
}

export interface ProbeTableRow {
  /** the run, or "raw pixels" for the baseline */
  representation: string;
  model: string | null;
  dim: number;
  /** dimensions whose variance over the test images exceeds 10⁻² (a VAE's active units; null for raw pixels) */
  active_units: number | null;
  linear_accuracy: number;
  knn_accuracy: number;
  k: number;
  /** linear probe with `labels_per_class` labels of each digit */
  few_label_accuracy: number;
  labels_per_class: number;
}

/**
 * One table over several runs: linear-probe, k-NN and few-label accuracy of each run's embedding of a labelled
 * dataset, beside raw pixels — the baseline every learned representation must beat.
 */
export function probeTable(
  targets: string[],
  o: { data?: string; seed?: number; epochs?: number; k?: number; labelsPerClass?: number } = {},
): ProbeTableRow[] {
  const data = o.data ?? "mnist-fixed";
  const ds = loadDataset(data);
  const tr = ds.split("train"),
    te = ds.split("test");
  if (!tr.labels || !te.labels) throw new RangeError(`dataset "${data}" has no labels; use mnist-fixed or mnist`);
  const k = o.k ?? 5,
    m = o.labelsPerClass ?? 100,
    seed = o.seed ?? 0;
  const row = (representation: string, model: string | null, etr: Embedded, ete: Embedded): ProbeTableRow => ({
    representation,
    model,
    dim: etr.dim,
    active_units: model === null ? null : activeUnits(ete.values, ete.dim),
    linear_accuracy: linearProbe(etr, ete, seed, o.epochs).testAccuracy,
    knn_accuracy: knnAccuracy(etr, ete, k),
    k,
    few_label_accuracy: fewLabelAccuracy(etr, ete, m, seed),
    labels_per_class: m,
  });
  const rows = [
    row(
      "raw pixels",
      null,
      { ...tr, values: tr.values, dim: tr.dim, labels: tr.labels },
      { ...te, dim: te.dim, labels: te.labels },
    ),
  ];
  for (const t of targets) {
    const run = openRun(t);
    const model = latentOf(run);
    const etr = embedSplit(model, tr),
      ete = embedSplit(model, te);
    rows.push(row(t, run.config.model, { ...etr, labels: tr.labels }, { ...ete, labels: te.labels }));
  }
  return rows;
}
