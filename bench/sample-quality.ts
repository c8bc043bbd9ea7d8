/**
 * Sample-quality figures, one JSON line each: the MNIST classifier (trained into the cache if missing: accuracy and
 * wall-clock), the floor (real training images vs the test split) for 8-bit and binarized MNIST, binarized training
 * images against the 8-bit test split, and optionally samples of trained runs.
 *
 *   node --import tsx bench/sample-quality.ts [--n 10000] [--cache DIR] [--run DIR ...] [--seed 0] [--no-parzen]
 *                                             [--skip-floors]
 *
 * --n is both the number of samples and of reference (test) images.
 * --run takes run directories written by `deepgen train`; their samples are scored against both references.
 */
import { parseArgs } from "node:util";
import { getNumThreads } from "../src/backend/registry.js";
import {
  hasClassifier,
  loadClassifier,
  mnistReference,
  qualityFloor,
  sampleQuality,
  trainClassifier,
  type SampleQuality,
} from "../src/eval/quality.js";
import { loadDataset } from "../src/data/datasets.js";
import { tensor } from "../src/tensor/create.js";
import { sample } from "../src/app/generate.js";
import { loadRun } from "../src/train/checkpoint.js";
import "../src/models/index.js"; // registers the models loadRun rebuilds

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "10000" },
    cache: { type: "string" },
    run: { type: "string", multiple: true, default: [] },
    seed: { type: "string", default: "0" },
    "no-parzen": { type: "boolean", default: false },
    "skip-floors": { type: "boolean", default: false },
  },
});
const n = Number(values.n);
const out = (o: object) => console.log(JSON.stringify(o));
const timed = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const r = f();
  return [r, (performance.now() - t0) / 1000];
};
const opts = { parzen: !values["no-parzen"] };
const brief = (q: SampleQuality) => ({
  fid: q.fid,
  classifier_score: q.classifier_score,
  precision: q.precision,
  recall: q.recall,
  label_tv_to_reference: q.label_tv_to_reference,
  parzen_nats: q.parzen?.log_likelihood_nats ?? null,
  parzen_se: q.parzen?.std_error_nats ?? null,
  parzen_sigma: q.parzen?.sigma ?? null,
  n_samples: q.n_samples,
  samples_binary: q.samples_binary,
  reference: q.reference.description,
  n_reference: q.reference.n,
});

if (!hasClassifier(values.cache)) {
  process.stderr.write("no cached classifier: training it (progress on stderr)\n");
  trainClassifier({ cacheDir: values.cache }, (p) => {
    if (p.kind !== "batch") process.stderr.write(JSON.stringify(p) + "\n");
  });
}
const clf = loadClassifier(values.cache);
out({ case: "classifier", id: clf.id, ...clf.provenance, recipe: clf.recipe, threads_now: getNumThreads() });

const ref8 = mnistReference({ n });
const refBin = mnistReference({ binarized: true, n });
if (!values["skip-floors"]) {
  const [f8, s8] = timed(() => qualityFloor(ref8, clf, n, opts));
  out({ case: "floor-8bit", seconds: s8, ...brief(f8) });
  const [fb, sb] = timed(() => qualityFloor(refBin, clf, n, opts));
  out({ case: "floor-binarized", seconds: sb, ...brief(fb) });
  const binTrain = loadDataset("mnist-fixed").split("train");
  const binImages = tensor(binTrain.values.slice(0, n * 784), [n, 784]);
  const [fx, sx] = timed(() => sampleQuality(binImages, ref8, clf, opts));
  out({ case: "binarized-train-vs-8bit-test", seconds: sx, ...brief(fx) });
}

for (const dir of values.run!) {
  const run = loadRun(dir);
  const [x, ts] = timed(() => {
    const s = sample(dir, { n, seed: Number(values.seed) });
    return tensor(s.values, [s.n, s.values.length / s.n]);
  });
  for (const [name, ref] of [
    ["8bit", ref8],
    ["binarized", refBin],
  ] as const) {
    const [q, s] = timed(() => sampleQuality(x, ref, clf, opts));
    out({ case: `samples-${run.config.model}-vs-${name}`, run: dir, sample_seconds: ts, seconds: s, ...brief(q) });
  }
}
