/**
 * Writes one split of a dataset, exactly as training reads it, to a float32 .npy file [n, 784] (and, with --labels,
 * its labels as a float32 .npy [n]), so that a program outside this repository can train on the same images —
 * bench/dcgan-torch.py trains on the 8-bit `mnist` train split (50,000 images scaled to [0, 1]) written by this.
 *
 *   node --import tsx bench/export-mnist.ts --out FILE.npy [--dataset mnist] [--split train] [--n N]
 *        [--labels FILE.npy] [--data-dir DIR]
 *
 * --n keeps the split's first n images (all of them by default). Prints one JSON line: what was written.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadDataset } from "../src/data/datasets.js";
import { encodeNpy } from "../src/data/formats.js";
import type { SplitName } from "../src/data/split.js";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    dataset: { type: "string", default: "mnist" },
    split: { type: "string", default: "train" },
    n: { type: "string" },
    labels: { type: "string" },
    "data-dir": { type: "string" },
  },
});
if (!values.out) throw new Error("export-mnist: --out FILE.npy is required");
const splitName = values.split as SplitName;
if (!["train", "valid", "test"].includes(splitName))
  throw new RangeError(`export-mnist: unknown split "${splitName}"; known: train, valid, test`);
const split = loadDataset(values.dataset!, values["data-dir"]).split(splitName);
const n = values.n === undefined ? split.n : Math.min(Number(values.n), split.n);
if (!Number.isInteger(n) || n < 1) throw new RangeError(`export-mnist: --n must be positive, got ${values.n}`);
writeFileSync(values.out, encodeNpy(split.values.slice(0, n * split.dim), [n, split.dim]));
if (values.labels) {
  if (!split.labels) throw new Error(`export-mnist: ${values.dataset} has no labels`);
  writeFileSync(values.labels, encodeNpy(Float32Array.from(split.labels.subarray(0, n)), [n]));
}
let min = Infinity,
  max = -Infinity;
for (let i = 0; i < n * split.dim; i++) {
  min = Math.min(min, split.values[i]!);
  max = Math.max(max, split.values[i]!);
}
console.log(
  JSON.stringify({
    out: values.out,
    dataset: values.dataset,
    split: splitName,
    shape: [n, split.dim],
    dtype: "float32",
    min,
    max,
    ...(values.labels ? { labels: values.labels } : {}),
  }),
);
