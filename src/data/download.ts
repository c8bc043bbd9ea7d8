/**
 * The binarized MNIST files: where to look, checksums, and the download from the canonical address when the
 * network allows. Files may be plain (.amat) or gzipped (.amat.gz), directly in the data directory or in its
 * binarized_mnist/ folder.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DataFormatError } from "./formats.js";
import { sha256, writeFileAtomic } from "../util/fs.js";
import type { SplitName } from "./split.js";

export const BINARIZED_MNIST_URL = "http://www.cs.toronto.edu/~larocheh/public/datasets/binarized_mnist";

/** sha256 of the canonical files, gzipped and plain, and the image counts. */
export const BINARIZED_MNIST_FILES: Record<SplitName, { images: number; gz: string; plain: string }> = {
  train: {
    images: 50000,
    gz: "1ff4fd03dbe9cd5aa21a1e0cb772983d5a2fc1cdd260583f0ca0858e37ed78a3",
    plain: "ad693b29f94c14277b095f5238ddefbbdaaae0939789dd2f4f0205278cee3e4d",
  },
  valid: {
    images: 10000,
    gz: "8f3b538df4a2b60fc84542f4272d0695889987d722360a352912feceeef6fc73",
    plain: "1de3d397c40fe8eeb33dafd4099a1f665ec01e96d9be234aaeeac8a34930e2e2",
  },
  test: {
    images: 10000,
    gz: "cf2b98cb77c9c026277449cb0663b16ed722675afa07db9d0f2442da94e67e40",
    plain: "e6687bfea3f820c174f33b7865140b2a2dd2930ef786f35d45795fc193b5ab2c",
  },
};

export const amatName = (split: SplitName): string => `binarized_mnist_${split}.amat`;

/** Candidate paths for a split's file, in order of preference. */
export function candidates(dataDir: string, split: SplitName): string[] {
  const f = amatName(split);
  return [
    path.join(dataDir, "binarized_mnist", `${f}.gz`),
    path.join(dataDir, "binarized_mnist", f),
    path.join(dataDir, `${f}.gz`),
    path.join(dataDir, f),
  ];
}

export interface FoundFile {
  path: string;
  sha256: string;
  verified: boolean;
}

/** The split's file if present, with its checksum checked against the canonical one. */
export function findBinarizedMnist(dataDir: string, split: SplitName): FoundFile | null {
  for (const p of candidates(dataDir, split)) {
    if (!existsSync(p)) continue;
    const sum = sha256(readFileSync(p));
    const want = p.endsWith(".gz") ? BINARIZED_MNIST_FILES[split].gz : BINARIZED_MNIST_FILES[split].plain;
    return { path: p, sha256: sum, verified: sum === want };
  }
  return null;
}

/** Fetches one canonical file synchronously (a child process, so loaders stay synchronous). */
function download(split: SplitName, dest: string): void {
  const url = `${BINARIZED_MNIST_URL}/${amatName(split)}`;
  const script =
    `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(60000) })` +
    '.then(async (r) => { if (!r.ok) throw new Error("HTTP " + r.status); ' +
    "process.stdout.write(Buffer.from(await r.arrayBuffer())); })" +
    ".catch((e) => { process.stderr.write(String(e.message ?? e)); process.exit(1); });";
  const body = execFileSync(process.execPath, ["-e", script], {
    maxBuffer: 200 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
  mkdirSync(path.dirname(dest), { recursive: true });
  writeFileAtomic(dest, body);
}

/** The verified file for a split: found in dataDir, or downloaded there; otherwise an error saying what to do. */
export function ensureBinarizedMnist(dataDir: string, split: SplitName): string {
  let found = findBinarizedMnist(dataDir, split);
  if (!found && process.env.DEEPGEN_NO_DOWNLOAD !== "1") {
    const dest = path.join(dataDir, "binarized_mnist", amatName(split));
    try {
      process.stderr.write(
        `deepgen: ${amatName(split)} not found in ${dataDir}; downloading ${BINARIZED_MNIST_URL}/${amatName(split)}\n`,
      );
      download(split, dest);
      found = findBinarizedMnist(dataDir, split);
    } catch (e) {
      const why = e instanceof Error && "stderr" in e ? String((e as { stderr: Buffer }).stderr) : String(e);
      throw new DataFormatError(
        dataDir,
        `binarized MNIST ${split} split not found and the download failed (${why.trim() || "no network"}). ` +
          `Put ${amatName(split)} (or .amat.gz) from ${BINARIZED_MNIST_URL}/ ` +
          `into ${path.join(dataDir, "binarized_mnist")}/, ` +
          `or pass --data-dir (or set DEEPGEN_DATA_DIR) to the directory that holds them.`,
      );
    }
  }
  if (!found) {
    throw new DataFormatError(
      dataDir,
      `binarized MNIST ${split} split not found. ` +
        `Put ${amatName(split)} (or .amat.gz) into ${path.join(dataDir, "binarized_mnist")}/, ` +
        "or pass --data-dir / set DEEPGEN_DATA_DIR.",
    );
  }
  if (!found.verified) {
    throw new DataFormatError(
      found.path,
      `sha256 ${found.sha256} does not match the canonical file; ` +
        `the file is corrupt or not the canonical binarized MNIST ${split} split`,
    );
  }
  return found.path;
}
