/**
 * How good a latent model's decoder can make its images: the sample-quality metrics (FID, classifier score,
 * precision/recall, as bench/quality-table.ts computes them) of its reconstructions — the decoded pixel means of the
 * latent each image encodes to — against the same reference as its samples. A prior over the latent can at best
 * reach what the reconstructions of real images reach, so the gap between this row and the sample row is the
 * prior's, the rest the autoencoder's. For models that split their bound into a reconstruction and a prior term
 * (`boundTerms`), each term's mean over the same images is printed too. One JSON line per run and split.
 *
 *   node --import tsx bench/reconstruction-quality.ts --run DIR [--run DIR ...] [--n 10000]
 *        [--splits test,train] [--cache DIR]
 *
 * The first n images of each split are reconstructed; the reference is the first n test images of the binarized or
 * 8-bit MNIST test split, matching the run's training data, as for its samples. Reconstructions of test images are
 * scored against those same images, so that row is optimistic; training images are the ones the prior learned from.
 */
import { parseArgs } from "node:util";
import { noGrad } from "../src/autograd/tape.js";
import { loadDataset } from "../src/data/datasets.js";
import { hasClassifier, loadClassifier, mnistReference, sampleQuality } from "../src/eval/quality.js";
import { tensor } from "../src/tensor/create.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { loadRun } from "../src/train/checkpoint.js";
import "../src/models/index.js"; // registers the models loadRun rebuilds

const { values } = parseArgs({
  options: {
    run: { type: "string", multiple: true, default: [] },
    n: { type: "string", default: "10000" },
    splits: { type: "string", default: "test,train" },
    cache: { type: "string" },
  },
});
const n = Number(values.n);
if (!hasClassifier(values.cache)) throw new Error("no cached classifier: run bench/quality-table.ts once first");
const clf = loadClassifier(values.cache);
const refs = { "8-bit": mnistReference({ n }), binarized: mnistReference({ binarized: true, n }) };
const BATCH = 500;

type Reconstructing = { reconstruct(x: Tensor): Tensor };
type BoundSplitting = { boundTerms(x: Tensor): { reconstruction: Float64Array; prior: Float64Array } };

for (const dir of values.run!) {
  const run = loadRun(dir);
  const model = run.model as unknown as Partial<Reconstructing & BoundSplitting>;
  if (typeof model.reconstruct !== "function") throw new Error(`${dir}: ${run.config.model} does not reconstruct`);
  run.model.eval();
  const ds = loadDataset(run.config.dataset, run.config.dataDir);
  const kind = ds.binarization === "none" ? "8-bit" : "binarized";
  for (const name of values.splits!.split(",") as Array<"train" | "valid" | "test">) {
    const cpu0 = process.cpuUsage();
    const split = ds.split(name);
    const m = Math.min(n, split.n);
    const out = new Float32Array(m * split.dim);
    let reconstruction = 0,
      prior = 0;
    for (let i = 0; i < m; i += BATCH) {
      const b = Math.min(BATCH, m - i);
      const x = tensor(split.values.slice(i * split.dim, (i + b) * split.dim), [b, split.dim]);
      out.set(noGrad(() => model.reconstruct!(x)).toArray(), i * split.dim);
      if (model.boundTerms) {
        const t = model.boundTerms(x);
        reconstruction += t.reconstruction.reduce((a, v) => a + v, 0);
        prior += t.prior.reduce((a, v) => a + v, 0);
      }
    }
    const quality = sampleQuality(tensor(out, [m, split.dim]), refs[kind], clf, { parzen: false });
    const d = process.cpuUsage(cpu0);
    const mean = { reconstruction: reconstruction / m, prior: prior / m, total: (reconstruction + prior) / m };
    const terms = model.boundTerms ? { bound_terms_nats: mean } : {};
    const { fid, classifier_score, precision, recall, label_tv_to_reference } = quality;
    console.log(
      JSON.stringify({
        run: run.weights,
        split: name,
        n_images: m,
        reference: `${refs[kind].dataset} test, first ${refs[kind].images.shape[0]}`,
        ...terms,
        reconstructions: { fid, classifier_score, precision, recall, label_tv_to_reference },
        cpu_seconds: Math.round((d.user + d.system) / 1e4) / 100,
      }),
    );
  }
}
