/**
 * The sample-quality table of the README: for each trained run, n samples scored against the reference set that
 * matches its training data (binarized test images for binary models, 8-bit ones otherwise) in the feature space of
 * deepgen's MNIST classifier, beside the floors (n real training images against each reference). One JSON line per
 * row; with --markdown, the table as Markdown instead.
 *
 *   node --import tsx bench/quality-table.ts --run DIR [--run DIR ...] [--n 1000] [--seed 0] [--cache DIR]
 *        [--parzen gan,dcgan] [--n-valid 1000] [--last] [--markdown] [--no-floors | --floors 8-bit,...]
 *        [--truncation 1,0.5] [--drs 0,1]
 *
 * The floors are n real training images against each reference, and binarized training images against the 8-bit
 * test split (how far binarization alone moves images in the classifier's feature space). --floors picks some of
 * them (binarized, 8-bit, crossed): each floor costs as much as a model's row.
 * --last samples each run's last.safetensors (the weights at the end of its budget) instead of best.safetensors; a
 * --run that names a .safetensors file samples that file whatever --last says, so one table can mix best and last.
 * Each row names its weights file and what training they hold, the test NLL the run recorded (config.json's, which
 * training measured on best.safetensors), and the CPU seconds its sampling and scoring took.
 * --parzen names the models (8-bit runs only) that also get the Parzen-window log-likelihood of the 8-bit test split
 * (σ chosen on --n-valid validation images, default 1,000; Goodfellow et al. 2014's protocol used 10,000 samples
 * and the validation set).
 * --truncation adds, after each run's row, one row per ψ for the runs that can truncate their latent (|z_i| ≤ ψ,
 * Brock et al. 2019), with the same seed: those images are not samples of the trained distribution, and their rows
 * say "truncated".
 * --drs adds, after those, one row per γ for the runs whose discriminator can filter their samples (discriminator
 * rejection sampling, Azadi et al. 2019): the same seed, n kept images, and the fraction of candidates kept; the
 * rows say "DRS", a sampling procedure on the same weights. A list that starts with a negative γ is written
 * `--drs=-1,0`.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { sample } from "../src/app/generate.js";
import { readEpochRecords } from "../src/app/runs-index.js";
import { loadDataset } from "../src/data/datasets.js";
import { canReject, canTruncate } from "../src/models/base.js";
import {
  hasClassifier,
  loadClassifier,
  mnistReference,
  qualityFloor,
  sampleQuality,
  trainClassifier,
  type SampleQuality,
} from "../src/eval/quality.js";
import type { RejectionStats } from "../src/models/adversarial/rejection.js";
import { tensor } from "../src/tensor/create.js";
import { loadRun, loadWeights } from "../src/train/checkpoint.js";
import "../src/models/index.js"; // registers the models loadRun rebuilds

const { values } = parseArgs({
  options: {
    run: { type: "string", multiple: true, default: [] },
    n: { type: "string", default: "1000" },
    seed: { type: "string", default: "0" },
    cache: { type: "string" },
    parzen: { type: "string", default: "" },
    "n-valid": { type: "string", default: "1000" },
    last: { type: "boolean", default: false },
    markdown: { type: "boolean", default: false },
    "no-floors": { type: "boolean", default: false },
    floors: { type: "string", default: "binarized,8-bit,crossed" },
    help: { type: "boolean", short: "h", default: false },
    truncation: { type: "string", default: "" },
    drs: { type: "string", default: "" },
  },
});
if (values.help) {
  // the usage is this file's header comment
  const { readFileSync } = await import("node:fs");
  const header = readFileSync(new URL(import.meta.url), "utf8").split("*/")[0]!;
  process.stdout.write(header.replace(/^\/\*\*\n/, "").replace(/^ \* ?/gm, "") + "\n");
  process.exit(0);
}
const n = Number(values.n);
const parzenModels = new Set(values.parzen!.split(",").filter(Boolean));
const truncations = values.truncation!.split(",").filter(Boolean).map(Number);
const gammas = values.drs!.split(",").filter(Boolean).map(Number);

/** A class counts as present when the classifier assigns it at least 1% of the samples. */
const PRESENT = 0.01;

interface Row {
  model: string;
  data: string;
  budget: string;
  /** test NLL recorded in the run's config.json, with its estimator */
  test_nll_nats?: string;
  quality: SampleQuality;
  /** discriminator rejection sampling: γ, candidates drawn and kept */
  rejection?: RejectionStats;
  sample_seconds?: number;
  sample_cpu_seconds?: number;
  /** CPU seconds of sampling and scoring the row (this process, all threads) */
  cpu_seconds?: number;
}

if (!hasClassifier(values.cache)) {
  process.stderr.write("no cached classifier: training it (progress on stderr)\n");
  trainClassifier({ cacheDir: values.cache }, (p) => {
    if (p.kind !== "batch") process.stderr.write(JSON.stringify(p) + "\n");
  });
}
const clf = loadClassifier(values.cache);
const nValid = Number(values["n-valid"]);
const refs = {
  "8-bit": mnistReference({ n, nValid }),
  binarized: mnistReference({ binarized: true, n, nValid }),
};

/** The step at which epoch `epoch` (0-based, as checkpoints count) ended, from the run's metrics.jsonl. */
function stepOfEpoch(runDir: string, epoch: number): number | null {
  return readEpochRecords(runDir).find((r) => r.epoch === epoch)?.step ?? null;
}

/**
 * The weights file and what training it holds: steps, images seen and epochs from last.safetensors's trainer position,
 * or best.safetensors's epoch (1-based here) with its step from metrics.jsonl, and whether it is the weight average.
 */
function budgetOf(run: ReturnType<typeof loadRun>, batchSize: number, nTrain: number): string {
  const meta = loadWeights(run.weights, run.model);
  const file = path.basename(run.weights);
  const steps = (step: number) => `${step} steps × ${batchSize} (${((step * batchSize) / nTrain).toFixed(2)} epochs)`;
  if (meta.position) return `${file}: ${steps((JSON.parse(meta.position) as { step: number }).step)}`;
  if (meta.epoch === undefined) return `${file}: epoch unknown`;
  const step = stepOfEpoch(run.runDir, Number(meta.epoch));
  const average = meta.weights === "ema" ? ", weight average" : "";
  // a model without a validation score keeps every epoch (labelled with its training loss): the latest, not the best
  const which = meta.valid_nll_nats !== undefined ? "best valid at" : "saved after";
  return `${file}: ${which} epoch ${Number(meta.epoch) + 1}${step === null ? "" : `, ${steps(step)}`}${average}`;
}

/** The test NLL that training recorded in config.json (measured on best.safetensors), where there is one. */
function testNll(run: ReturnType<typeof loadRun>): string | undefined {
  const m = run.config.metrics;
  if (!m || m.split !== "test" || typeof m.nll_nats !== "number") return undefined;
  const other = path.basename(run.weights) === "best.safetensors" ? "" : ", of best.safetensors";
  return `${m.nll_nats.toFixed(2)} (${String(m.estimator)}${other})`;
}

/** CPU seconds of this process (user + system) since `from`. */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return Math.round((d.user + d.system) / 1e4) / 100;
};

const rows: Row[] = [];
for (const dir of values.run!) {
  const target = values.last && !dir.endsWith(".safetensors") ? path.join(dir, "last.safetensors") : dir;
  const run = loadRun(target);
  const ds = loadDataset(run.config.dataset, run.config.dataDir);
  const kind = ds.binarization === "none" ? "8-bit" : "binarized";
  const budget = budgetOf(run, run.config.training.batchSize, ds.split("train").n);
  type Procedure = { truncation?: number; rejection?: number };
  const procedures: Procedure[] = [
    {},
    ...(canTruncate(run.model) ? truncations.map((truncation) => ({ truncation })) : []),
    ...(canReject(run.model) ? gammas.map((rejection) => ({ rejection })) : []),
  ];
  for (const procedure of procedures) {
    const cpu0 = process.cpuUsage();
    const s = sample(target, { n, seed: Number(values.seed), ...procedure });
    const sampleCpu = cpuSince(cpu0);
    const parzen = kind === "8-bit" && parzenModels.has(run.config.model);
    const quality = sampleQuality(tensor(s.values, [s.n, s.values.length / s.n]), refs[kind], clf, { parzen });
    const nll = testNll(run);
    const r = s.rejection;
    const how =
      procedure.truncation !== undefined
        ? ` (truncated: |z_i| ≤ ${procedure.truncation})`
        : r
          ? ` (DRS sampling, γ = ${r.gamma}: kept ${r.accepted} of ${r.candidates}, ` +
            `${(100 * r.acceptance_rate).toFixed(1)}%)`
          : "";
    const row = {
      model: run.config.model + how,
      data: `${run.config.dataset} (${kind})`,
      budget,
      ...(nll ? { test_nll_nats: nll } : {}),
      quality,
      ...(r ? { rejection: r } : {}),
    };
    const timing = { sample_seconds: s.seconds, sample_cpu_seconds: sampleCpu, cpu_seconds: cpuSince(cpu0) };
    rows.push({ ...row, ...timing });
    // with --markdown the rows still go out as they finish, on stderr
    (values.markdown ? console.error : console.log)(JSON.stringify({ run: target, ...row, ...timing }));
  }
}
const floors = new Set(values["no-floors"] ? [] : values.floors!.split(",").filter(Boolean));
for (const kind of (["binarized", "8-bit"] as const).filter((k) => floors.has(k))) {
  const cpu0 = process.cpuUsage();
  const quality = qualityFloor(refs[kind], clf, n, { parzen: false });
  const row = { model: "real training images (floor)", data: `${refs[kind].dataset} train (${kind})`, budget: "—" };
  const done = { ...row, quality, cpu_seconds: cpuSince(cpu0) };
  rows.push(done);
  (values.markdown ? console.error : console.log)(JSON.stringify(done));
}
if (floors.has("crossed")) {
  const binTrain = loadDataset("mnist-fixed").split("train");
  const images = tensor(binTrain.values.slice(0, n * 784), [n, 784]);
  const quality = sampleQuality(images, refs["8-bit"], clf, { parzen: false });
  const row = { model: "binarized training images", data: "mnist-fixed train (binarized)", budget: "—" };
  rows.push({ ...row, quality });
  (values.markdown ? console.error : console.log)(JSON.stringify({ ...row, quality }));
}

if (values.markdown) {
  const f = (v: number, d = 1) => v.toFixed(d);
  console.log(
    `| model | training data | weights, budget | test NLL, nats | FID ↓ | classifier score ↑ | precision | ` +
      `recall | digits present | reference (n = ${n}) | CPU s |`,
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const q = r.quality;
    const present = q.label_histogram.fractions.filter((p) => p >= PRESENT).length;
    const ref = q.reference.binarized ? "binarized test" : "8-bit test";
    console.log(
      `| ${r.model} | ${r.data} | ${r.budget} | ${r.test_nll_nats ?? "—"} | ${f(q.fid)} | ` +
        `${f(q.classifier_score, 2)} | ${f(q.precision, 2)} | ${f(q.recall, 2)} | ${present} | ${ref} | ` +
        `${r.cpu_seconds ?? "—"} |`,
    );
  }
  for (const r of rows.filter((r) => r.quality.parzen)) {
    const p = r.quality.parzen!;
    console.log(
      `\nParzen (${r.model}): ${f(p.log_likelihood_nats)} ± ${f(p.std_error_nats)} nats on ${p.n_test} 8-bit test ` +
        `images, σ = ${p.sigma.toFixed(3)} chosen on ${p.n_valid} validation images, ${p.n_centers} samples`,
    );
  }
}
