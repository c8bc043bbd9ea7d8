/** `deepgen embed | probe | reconstruct | interpolate`: the representation uses of latent-variable models. */
import type { Command } from "commander";
import { loadDataset, type Split, type SplitName } from "../data/datasets.js";
import { encodeNpy } from "../data/formats.js";
import { writeImageGrid } from "../data/png.js";
import { batches } from "../data/loader.js";
import type { GenerativeModel } from "../models/base.js";
import { Linear } from "../nn/linear.js";
import { crossEntropy } from "../ops/loss.js";
import { Adam } from "../optim/adam.js";
import { noGrad } from "../autograd/tape.js";
import { tensor } from "../tensor/create.js";
import { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { loadRun } from "../train/checkpoint.js";
import { writeFileAtomic } from "../train/safetensors.js";
import { parseNonNegativeInt, parsePositiveInt } from "./options.js";

interface Representational {
  embed(x: Tensor): Tensor;
  reconstruct?(x: Tensor): Tensor;
  decode?(z: Tensor): Tensor;
}

function representational(model: GenerativeModel, name: string): GenerativeModel & Representational {
  if (typeof (model as unknown as Representational).embed !== "function")
    throw new Error(
      `${name} has no encoder; embed/probe/reconstruct/interpolate need a latent-variable model (vae, iwae, autoencoder, ppca)`,
    );
  return model as GenerativeModel & Representational;
}

/** Latent means of every image of a split, [n, L]. */
export function embedSplit(model: Representational, split: Split): { values: Float32Array; dim: number } {
  const chunks: number[][] = [];
  let dim = 0;
  noGrad(() => {
    for (const b of batches(split, { batchSize: 1000 })) {
      const z = model.embed(b.x);
      dim = z.shape[1]!;
      chunks.push(z.toArray());
    }
  });
  return { values: Float32Array.from(chunks.flat()), dim };
}

/** Multinomial logistic regression on embeddings; returns test accuracy. */
export function linearProbe(
  train: { values: Float32Array; dim: number; labels: Int32Array },
  test: { values: Float32Array; labels: Int32Array },
  seed: number,
  epochs = 30,
): { trainAccuracy: number; testAccuracy: number } {
  const d = train.dim,
    classes = 10,
    g = new Generator(seed);
  // standardise features with the training statistics
  const n = train.labels.length,
    mean = new Float64Array(d),
    sd = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) mean[k] += train.values[r * d + k]! / n;
  for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) sd[k] += (train.values[r * d + k]! - mean[k]!) ** 2 / n;
  const norm = (v: Float32Array) => v.map((x, i) => (x - mean[i % d]!) / Math.sqrt(sd[i % d]! + 1e-8));
  const xtr = norm(train.values),
    xte = norm(test.values);
  const clf = new Linear(d, classes, { generator: g });
  const opt = new Adam(clf.parameters(), { lr: 1e-2 });
  for (let e = 0; e < epochs; e++) {
    const order = Generator.derive(seed, e).permutation(n);
    for (let s = 0; s < n; s += 500) {
      const idx = order.subarray(s, Math.min(n, s + 500));
      const xb = new Float32Array(idx.length * d);
      idx.forEach((r, i) => xb.set(xtr.subarray(r * d, (r + 1) * d), i * d));
      const loss = crossEntropy(
        clf.forward(tensor(xb, [idx.length, d])),
        Int32Array.from(idx, (r) => train.labels[r]!),
      ).mean();
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
  }
  const acc = (x: Float32Array, y: Int32Array) =>
    noGrad(() => {
      const logits = clf.forward(tensor(x, [y.length, d])).toArray();
      let ok = 0;
      for (let r = 0; r < y.length; r++) {
        let best = 0;
        for (let c = 1; c < classes; c++) if (logits[r * classes + c]! > logits[r * classes + best]!) best = c;
        if (best === y[r]) ok++;
      }
      return ok / y.length;
    });
  return { trainAccuracy: acc(xtr, train.labels), testAccuracy: acc(xte, test.labels) };
}

export function latentCommands(program: Command): void {
  program
    .command("embed")
    .description("write the latent means (encoder output) of a split as a float32 NPY array [n, latent]")
    .argument("<run>", "run directory or checkpoint of a latent-variable model")
    .option("--data <name>", "dataset (default: the run's)")
    .option("--data-dir <dir>", "where the binarized MNIST files are")
    .option("--split <name>", "train, valid or test", "test")
    .requiredOption("--out <file.npy>", "output file")
    .action((target: string, o: { data?: string; dataDir?: string; split: string; out: string }) => {
      const run = loadRun(target);
      const model = representational(run.model, run.config.model);
      const split = loadDataset(o.data ?? run.config.dataset, o.dataDir ?? run.config.dataDir).split(
        o.split as SplitName,
      );
      const e = embedSplit(model, split);
      writeFileAtomic(o.out, encodeNpy(e.values, [split.n, e.dim]));
      console.log(`wrote ${split.n} × ${e.dim} latent means to ${o.out}`);
    });

  program
    .command("probe")
    .description(
      "linear probe: multinomial logistic regression on train embeddings, digit accuracy on test (needs MNIST labels)",
    )
    .argument("<run>", "run directory or checkpoint of a latent-variable model")
    .option("--data <name>", "labelled dataset to embed", "mnist-fixed")
    .option("--seed <s>", "seed of the probe's training", parseNonNegativeInt, 0)
    .option("--epochs <n>", "probe training epochs", parsePositiveInt, 30)
    .option("--json", "one JSON document")
    .action((target: string, o: { data: string; seed: number; epochs: number; json?: boolean }) => {
      const run = loadRun(target);
      const model = representational(run.model, run.config.model);
      const ds = loadDataset(o.data);
      const tr = ds.split("train"),
        te = ds.split("test");
      if (!tr.labels || !te.labels)
        throw new Error(`dataset "${o.data}" has no labels; use --data mnist-fixed or mnist`);
      const etr = embedSplit(model, tr),
        ete = embedSplit(model, te);
      const r = linearProbe({ ...etr, labels: tr.labels }, { values: ete.values, labels: te.labels }, o.seed, o.epochs);
      const out = {
        model: run.config.model,
        data: o.data,
        latent: etr.dim,
        train_accuracy: r.trainAccuracy,
        test_accuracy: r.testAccuracy,
        n_train: tr.n,
        n_test: te.n,
      };
      console.log(
        o.json
          ? JSON.stringify(out)
          : `linear probe on ${etr.dim}-d latent means of ${run.config.model}: test accuracy ${(100 * r.testAccuracy).toFixed(2)}% (train ${(100 * r.trainAccuracy).toFixed(2)}%)`,
      );
    });

  program
    .command("reconstruct")
    .description("grid of test images (top rows) and their reconstructions through the latent means (bottom rows)")
    .argument("<run>", "run directory or checkpoint")
    .option("-n, --n <count>", "images", parsePositiveInt, 16)
    .option("--data-dir <dir>", "where the binarized MNIST files are")
    .option("--out <file>", "PNG file", "reconstructions.png")
    .action((target: string, o: { n: number; dataDir?: string; out: string }) => {
      const run = loadRun(target);
      const model = representational(run.model, run.config.model);
      if (!model.reconstruct) throw new Error(`${run.config.model} cannot reconstruct`);
      const split = loadDataset(run.config.dataset, o.dataDir ?? run.config.dataDir).split("test");
      const n = Math.min(o.n, split.n),
        D = split.dim,
        x = tensor(split.values.slice(0, n * D), [n, D]);
      const grid = Float32Array.from([...x.toArray(), ...model.reconstruct(x).toArray()]);
      writeImageGrid(o.out, grid, 2 * n, split.shape, { nrow: n, scale: 2 });
      console.log(`wrote ${n} test images and their reconstructions to ${o.out}`);
    });

  program
    .command("interpolate")
    .description("decode a straight line between the latent means of two test images")
    .argument("<run>", "run directory or checkpoint of a VAE or autoencoder")
    .option("--from <i>", "index of the first test image", parseNonNegativeInt, 0)
    .option("--to <j>", "index of the second test image", parseNonNegativeInt, 1)
    .option("--steps <k>", "images along the line, ends included", parsePositiveInt, 10)
    .option("--data-dir <dir>", "where the binarized MNIST files are")
    .option("--out <file>", "PNG file", "interpolation.png")
    .action((target: string, o: { from: number; to: number; steps: number; dataDir?: string; out: string }) => {
      const run = loadRun(target);
      const model = representational(run.model, run.config.model);
      if (!model.decode) throw new Error(`${run.config.model} has no decoder to interpolate with`);
      const split = loadDataset(run.config.dataset, o.dataDir ?? run.config.dataDir).split("test");
      const D = split.dim;
      for (const i of [o.from, o.to])
        if (i >= split.n) throw new Error(`test image ${i} does not exist (the split has ${split.n})`);
      const ends = noGrad(() =>
        model
          .embed(
            tensor(
              Float32Array.from([
                ...split.values.subarray(o.from * D, (o.from + 1) * D),
                ...split.values.subarray(o.to * D, (o.to + 1) * D),
              ]),
              [2, D],
            ),
          )
          .toArray(),
      );
      const L = ends.length / 2,
        k = Math.max(o.steps, 2);
      const z = new Float32Array(k * L);
      for (let s = 0; s < k; s++)
        for (let c = 0; c < L; c++) z[s * L + c] = ends[c]! + ((ends[L + c]! - ends[c]!) * s) / (k - 1);
      const out = noGrad(() =>
        model.decode!(tensor(z, [k, L]))
          .sigmoid()
          .toArray(),
      );
      writeImageGrid(o.out, out, k, split.shape, { nrow: k, scale: 2 });
      console.log(`wrote a ${k}-step interpolation between test images ${o.from} and ${o.to} to ${o.out}`);
    });
}
