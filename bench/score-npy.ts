/**
 * Scores images made elsewhere — a float32 .npy [N, 784] of values in [0, 1], e.g. the samples of
 * bench/dcgan-torch.py — exactly as bench/quality-table.ts scores a run's samples: sampleQuality against the first
 * --n 8-bit MNIST test images (validation: the first --n-valid valid images), in the feature space of the cached
 * classifier, no Parzen estimate. One JSON line per file: FID, classifier score, precision, recall, the digits
 * present (a class counts when the classifier assigns it at least 1% of the images, as in the table), the label
 * histogram and the CPU seconds of scoring.
 *
 *   node --import tsx bench/score-npy.ts --samples FILE.npy [--samples FILE.npy ...] [--rows N] [--n 10000]
 *        [--n-valid 1000] [--cache DIR] [--floor]
 *
 * --rows scores only each file's first N images. --floor also prints quality-table's floor for the 8-bit reference
 * (the first `rows` real training images, computed by qualityFloor): scoring an export of those same images
 * (bench/export-mnist.ts --n N) must print the same numbers, which checks the .npy path end to end.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseNpy } from "../src/data/formats.js";
import {
  hasClassifier,
  loadClassifier,
  mnistReference,
  qualityFloor,
  sampleQuality,
  type SampleQuality,
} from "../src/eval/quality.js";
import { tensor } from "../src/tensor/create.js";

const { values } = parseArgs({
  options: {
    samples: { type: "string", multiple: true, default: [] },
    rows: { type: "string" },
    n: { type: "string", default: "10000" },
    "n-valid": { type: "string", default: "1000" },
    cache: { type: "string" },
    floor: { type: "boolean", default: false },
  },
});

/** A class counts as present when the classifier assigns it at least 1% of the images (as quality-table.ts). */
const PRESENT = 0.01;

/** CPU seconds of this process (user + system) since `from`. */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return Math.round((d.user + d.system) / 1e4) / 100;
};

function summary(what: Record<string, unknown>, q: SampleQuality, cpu0: NodeJS.CpuUsage): string {
  const h = q.label_histogram;
  return JSON.stringify({
    ...what,
    n_samples: q.n_samples,
    reference: `${q.reference.description}, first ${q.reference.n} (valid ${q.reference.n_valid})`,
    classifier: q.classifier.id,
    fid: q.fid,
    classifier_score: q.classifier_score,
    classifier_score_splits: q.classifier_score_splits,
    precision: q.precision,
    recall: q.recall,
    digits_present: h.fractions.filter((p) => p >= PRESENT).length,
    label_counts: h.counts,
    label_entropy_nats: h.entropy_nats,
    label_tv_to_reference: q.label_tv_to_reference,
    cpu_seconds: cpuSince(cpu0),
  });
}

if (!hasClassifier(values.cache)) throw new Error("no cached classifier: run bench/quality-table.ts once first");
const clf = loadClassifier(values.cache);
const ref = mnistReference({ n: Number(values.n), nValid: Number(values["n-valid"]) });
let rows = values.rows === undefined ? undefined : Number(values.rows);
for (const file of values.samples!) {
  const cpu0 = process.cpuUsage();
  const a = parseNpy(readFileSync(file), file);
  if (a.dtype !== "<f4" || a.shape.length !== 2 || a.shape[1] !== 784)
    throw new TypeError(`${file}: need float32 [N, 784], found ${a.dtype} [${a.shape.join(", ")}]`);
  const m = Math.min(rows ?? a.shape[0]!, a.shape[0]!);
  const data = a.data.subarray(0, m * 784) as Float32Array;
  const bad = data.findIndex((v) => !(v >= 0 && v <= 1));
  if (bad >= 0) throw new RangeError(`${file}: value ${data[bad]} at index ${bad} is outside [0, 1]`);
  const q = sampleQuality(tensor(data, [m, 784]), ref, clf, { parzen: false });
  console.log(summary({ file }, q, cpu0));
  rows ??= m;
}
if (values.floor) {
  const cpu0 = process.cpuUsage();
  const n = rows ?? Number(values.n);
  const q = qualityFloor(ref, clf, n, { parzen: false });
  console.log(summary({ floor: `first ${n} images of the mnist train split (8-bit)` }, q, cpu0));
}
