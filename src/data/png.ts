/** PNG image grids (samples, reconstructions), written through fast-png; folders of PNG images read as datasets. */
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { encode } from "fast-png";
import { DataFormatError } from "./formats.js";
import { readImages } from "./images.js";
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

/**
 * One image of shape [c, h, w] (c = 1 or 3, values in [0, 1], planar) as 8-bit PNG bytes, through the same encoder
 * as the grids (fast-png: filter type 0 on every row, zlib deflate at its default level).
 */
export function encodeImagePng(values: ArrayLike<number>, shape: [number, number, number]): Uint8Array {
  const [c, h, w] = shape;
  if (c !== 1 && c !== 3) throw new RangeError(`encodeImagePng: ${c} channels (1 or 3 supported)`);
  if (values.length !== c * h * w) throw new RangeError(`encodeImagePng: ${values.length} values for ${c}×${h}×${w}`);
  const out = new Uint8Array(c * h * w);
  for (let ch = 0; ch < c; ch++)
    for (let p = 0; p < h * w; p++)
      out[p * c + ch] = Math.round(Math.min(Math.max(values[ch * h * w + p]!, 0), 1) * 255);
  return encode({ width: w, height: h, data: out, channels: c, depth: 8 });
}

export interface PngFolder {
  n: number;
  shape: [number, number, number];
  values: Float32Array;
  files: string[];
}

/** Every .png in a folder (sorted by name), all of one size and channel count, as values in [0, 1]; alpha dropped. */
export function readPngFolder(dir: string): PngFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DataFormatError(dir, "not a folder");
  const r = readImages(dir);
  const files = r.files.map((f) => path.basename(f));
  return { n: r.shape[0], shape: [r.shape[1], r.shape[2], r.shape[3]], values: r.data, files };
}
