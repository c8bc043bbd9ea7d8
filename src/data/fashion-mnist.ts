/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 28×28 8-bit images of clothing in 10 classes, 60k train and 10k test,
 * in the same IDX files as MNIST. Read offline from `<data dir>/fashion-mnist/` or from Debian's package
 * dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), plain or gzipped. The SHA-256 of every file's unpacked
 * bytes is checked the first time it is read in a process, so Zalando's .gz downloads and Debian's recompressed ones
 * verify alike.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { sha256 } from "../util/fs.js";
import { DataFormatError, MAX_GUNZIP_BYTES, parseIdx } from "./formats.js";
import { idxDataset, type IdxDataset, type IdxRaw } from "./idx-dataset.js";
import type { Binarization } from "./split.js";

export const FASHION_MNIST_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
export const FASHION_MNIST_URL = "https://github.com/zalandoresearch/fashion-mnist (data/fashion)";
export const FASHION_MNIST_HOWTO =
  "install Debian's package (apt-get install -y dataset-fashion-mnist, which puts them in " +
  `${FASHION_MNIST_DEBIAN_DIR}), or put the four IDX files (.gz or unpacked) from ${FASHION_MNIST_URL} ` +
  "into <data dir>/fashion-mnist/ (--data-dir or $DEEPGEN_DATA_DIR)";

/** The four files, their expected dimensions and the SHA-256 of their unpacked bytes. */
export const FASHION_MNIST_FILES = {
  trainX: {
    file: "train-images-idx3-ubyte",
    dims: [60000, 28, 28],
    sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
  },
  trainY: {
    file: "train-labels-idx1-ubyte",
    dims: [60000],
    sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
  },
  testX: {
    file: "t10k-images-idx3-ubyte",
    dims: [10000, 28, 28],
    sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
  },
  testY: {
    file: "t10k-labels-idx1-ubyte",
    dims: [10000],
    sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
  },
} as const;

type Part = keyof typeof FASHION_MNIST_FILES;
const PARTS = Object.keys(FASHION_MNIST_FILES) as Part[];

/** The folders searched, in order: the data directory's fashion-mnist/, then Debian's. */
export function fashionMnistDirs(dataDir: string): string[] {
  return [path.join(dataDir, "fashion-mnist"), FASHION_MNIST_DEBIAN_DIR];
}

function findIn(dirs: string[], part: Part): string | null {
  const f = FASHION_MNIST_FILES[part].file;
  for (const dir of dirs)
    for (const name of [`${f}.gz`, f]) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  return null;
}

/** A part's file (gzipped preferred) in the first folder that holds it, or null. */
export const findFashionMnistFile = (dataDir: string, part: Part): string | null =>
  findIn(fashionMnistDirs(dataDir), part);

/** A file's bytes, unpacked when gzipped, and their SHA-256. */
function unpack(file: string): { bytes: Uint8Array; sum: string } {
  let bytes: Uint8Array = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_GUNZIP_BYTES });
    } catch (e) {
      throw new DataFormatError(file, `corrupt gzip data (${(e as Error).message}); ${FASHION_MNIST_HOWTO}`);
    }
  }
  return { bytes, sum: sha256(bytes) };
}

/** A file's unpacked bytes after checking their SHA-256; `DataFormatError` when it differs. */
export function readVerified(file: string, part: Part): Uint8Array {
  const { bytes, sum } = unpack(file),
    want = FASHION_MNIST_FILES[part].sha256;
  if (sum !== want)
    throw new DataFormatError(
      file,
      `sha256 of the unpacked bytes is ${sum}, expected ${want}: the file is corrupt or not Fashion-MNIST's ` +
        `${FASHION_MNIST_FILES[part].file}; replace it: ${FASHION_MNIST_HOWTO}`,
    );
  return bytes;
}

/** Raw arrays per data directory: each file is read and verified once per process. */
const rawCache = new Map<string, IdxRaw>();

/** The four arrays from the first of `dirs` holding each file (default: `fashionMnistDirs(dataDir)`). */
export function loadFashionMnistRaw(dataDir: string, dirs = fashionMnistDirs(dataDir)): IdxRaw {
  const key = dirs.map((d) => path.resolve(d)).join("\0");
  const hit = rawCache.get(key);
  if (hit) return hit;
  const out: Partial<IdxRaw> = {};
  for (const part of PARTS) {
    const file = findIn(dirs, part);
    if (!file)
      throw new DataFormatError(
        dirs.join(" or "),
        `Fashion-MNIST's ${FASHION_MNIST_FILES[part].file}(.gz) not found; ${FASHION_MNIST_HOWTO}`,
      );
    out[part] = parseIdx(readVerified(file, part), file, [...FASHION_MNIST_FILES[part].dims]).data;
  }
  rawCache.set(key, out as IdxRaw);
  return out as IdxRaw;
}

/** Whether all four files are present (not verified), for tests and listings. */
export const hasFashionMnist = (dataDir: string): boolean => PARTS.every((p) => findFashionMnistFile(dataDir, p));

/** `fashion-mnist` (8-bit) or `fashion-mnist-fixed` (one seeded Bernoulli binarization per split). */
export function fashionMnist(name: string, binarization: Binarization, dataDir: string): IdxDataset {
  const source = findFashionMnistFile(dataDir, "trainX");
  return idxDataset(name, binarization, source ? path.dirname(source) : dataDir, () => loadFashionMnistRaw(dataDir));
}

export interface DatasetFile {
  split: string;
  images: number;
  path: string | null;
  /** of the unpacked bytes */
  sha256: string | null;
  verified: boolean;
}

/** Every file's location and whether it verifies, for `deepgen data`. */
export function fashionMnistFiles(dataDir: string): DatasetFile[] {
  return PARTS.map((part) => {
    const { file: name, dims, sha256: want } = FASHION_MNIST_FILES[part];
    const file = findFashionMnistFile(dataDir, part);
    let sum: string | null;
    try {
      sum = file ? unpack(file).sum : null;
    } catch {
      sum = null; // corrupt gzip: reported as not verified
    }
    return { split: name, images: dims[0], path: file, sha256: sum, verified: sum === want };
  });
}
