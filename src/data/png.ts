/** PNG image grids (samples, reconstructions) and folders of PNG images as datasets, through fast-png. */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { decode, encode } from "fast-png";
import { DataFormatError } from "./formats.js";
import { writeFileAtomic } from "../util/fs.js";

export interface GridOptions {
  /** images per row (default: ⌈√n⌉) */
  nrow?: number;
  /** pixels between images */
  padding?: number;
  /** integer upscaling of every pixel */
  scale?: number;
}

/**
 * Writes n images of shape [c, h, w] (c = 1 or 3, values in [0, 1], row-major in `values`) as one PNG grid,
 * atomically (temporary file + rename).
 */
export function writeImageGrid(
  file: string,
  values: ArrayLike<number>,
  n: number,
  shape: [number, number, number],
  o: GridOptions = {},
): void {
  const [c, h, w] = shape;
  if (c !== 1 && c !== 3) throw new RangeError(`writeImageGrid: ${c} channels (1 or 3 supported)`);
  if (values.length !== n * c * h * w)
    throw new RangeError(`writeImageGrid: ${values.length} values for ${n} images of ${c}×${h}×${w}`);
  const nrow = o.nrow ?? Math.max(1, Math.ceil(Math.sqrt(n))),
    pad = o.padding ?? 2,
    s = o.scale ?? 1;
  const rows = Math.ceil(n / nrow);
  const W = (nrow * (w + pad) + pad) * s,
    H = (rows * (h + pad) + pad) * s;
  const out = new Uint8Array(W * H * c).fill(64);
  for (let k = 0; k < n; k++) {
    const gx = pad + (k % nrow) * (w + pad),
      gy = pad + Math.floor(k / nrow) * (h + pad);
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const v = Math.round(Math.min(Math.max(values[((k * c + ch) * h + y) * w + x]!, 0), 1) * 255);
          for (let dy = 0; dy < s; dy++)
            for (let dx = 0; dx < s; dx++) out[(((gy + y) * s + dy) * W + (gx + x) * s + dx) * c + ch] = v;
        }
  }
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, encode({ width: W, height: H, data: out, channels: c, depth: 8 }));
}

export interface PngFolder {
  n: number;
  shape: [number, number, number];
  values: Float32Array;
  files: string[];
}

/** Every .png in a folder (sorted by name), all of one size and channel count, as values in [0, 1]. */
export function readPngFolder(dir: string): PngFolder {
  const files = readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith(".png"))
    .sort();
  if (files.length === 0) throw new DataFormatError(dir, "no .png files in this folder");
  let shape: [number, number, number] | null = null;
  const chunks: Float32Array[] = [];
  for (const f of files) {
    const p = path.join(dir, f);
    let img;
    try {
      img = decode(readFileSync(p));
    } catch (e) {
      throw new DataFormatError(p, `not a readable PNG (${(e as Error).message})`);
    }
    const keep = img.channels === 2 || img.channels === 4 ? img.channels - 1 : img.channels; // drop alpha
    const s: [number, number, number] = [keep, img.height, img.width];
    if (!shape) shape = s;
    else if (shape.join() !== s.join())
      throw new DataFormatError(p, `${s.join("×")} differs from the folder's first image (${shape.join("×")})`);
    const max = img.depth === 16 ? 65535 : 255,
      v = new Float32Array(keep * img.height * img.width);
    for (let ch = 0; ch < keep; ch++)
      for (let i = 0; i < img.height * img.width; i++)
        v[ch * img.height * img.width + i] = img.data[i * img.channels + ch]! / max;
    chunks.push(v);
  }
  const values = new Float32Array(chunks.length * chunks[0]!.length);
  chunks.forEach((v, i) => values.set(v, i * v.length));
  return { n: files.length, shape: shape!, values, files };
}
