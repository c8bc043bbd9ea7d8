/**
 * Images from the user's files as one [N, C, H, W] array of values in [0, 1]: a PNG, a folder of PNGs, or an NPY array
 * of uint8 (0–255) or float (0–1) intensities. What scoring and the studio read user images through.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { DataFormatError, parseNpy } from "./formats.js";
import { decodePng, MAX_PNG_PIXELS, type DecodedPng } from "./png-decode.js";

export interface ImageArray {
  /** row-major [N, C, H, W], every value in [0, 1] */
  data: Float32Array;
  shape: [number, number, number, number];
  /** the PNG files read, in order (one per image), or the one NPY file */
  files: string[];
}

export interface ReadImagesOptions {
  /**
   * The [C, H, W] every image must have (a model's input): flat NPY rows are reshaped to it, and PNG colour is
   * converted to C channels (RGB → grey by ITU-R BT.601 luma, grey → RGB by copying). Without it, flat NPY rows
   * must hold 784 values (28×28) and every PNG keeps its own channels.
   */
  shape?: [number, number, number];
  /** cap on width × height of one PNG, checked before decompressing (default 2048²) */
  maxPixels?: number;
  /** cap on N·C·H·W over all images (default 2^28 values = 1 GiB of float32) */
  maxValues?: number;
}

export const MAX_IMAGE_VALUES = 2 ** 28;

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d];
const startsWith = (buf: Uint8Array, magic: number[]) => magic.every((b, i) => buf[i] === b);

/** Reads a PNG file, a folder of .png files (sorted by name) or a .npy file into one [N, C, H, W] array. */
export function readImages(target: string, opts: ReadImagesOptions = {}): ImageArray {
  let isDir: boolean;
  try {
    isDir = statSync(target).isDirectory();
  } catch {
    throw new DataFormatError(target, "no such file or folder");
  }
  if (isDir) return readPngs(target, opts);
  const buf = readFile(target);
  if (startsWith(buf, NPY_MAGIC)) return readNpyImages(buf, target, opts);
  if (startsWith(buf, PNG_MAGIC) || target.toLowerCase().endsWith(".png")) return readPngs(target, opts, buf);
  throw new DataFormatError(target, "expected a .png file, a folder of .png files or a .npy file");
}

function readFile(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new DataFormatError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function readPngs(target: string, opts: ReadImagesOptions, single?: Uint8Array): ImageArray {
  const files = single
    ? [target]
    : readdirSync(target)
        .filter((f) => f.toLowerCase().endsWith(".png"))
        .sort()
        .map((f) => path.join(target, f));
  if (files.length === 0) throw new DataFormatError(target, "no .png files in this folder");
  const maxValues = opts.maxValues ?? MAX_IMAGE_VALUES;
  let shape: [number, number, number] | null = null,
    data = new Float32Array(0);
  files.forEach((file, k) => {
    const img = decodePng(single ?? readFile(file), file, opts.maxPixels ?? MAX_PNG_PIXELS);
    const v = toChannels(img, file, opts.shape?.[0]);
    const s: [number, number, number] = [v.length / (img.width * img.height), img.height, img.width];
    const want = shape ?? opts.shape;
    if (want && (want[1] !== s[1] || want[2] !== s[2] || want[0] !== s[0])) {
      const whose = shape ? "the folder's first image" : "the expected shape";
      throw new DataFormatError(file, `${s.join("×")} (C×H×W) differs from ${whose} (${want.join("×")})`);
    }
    if (!shape) {
      shape = s;
      if (files.length * v.length > maxValues) throw tooMany(target, files.length, s, maxValues);
      data = new Float32Array(files.length * v.length);
    }
    data.set(v, k * v.length);
  });
  return { data, shape: [files.length, ...shape!], files };
}

const tooMany = (file: string, n: number, s: number[], maxValues: number) =>
  new DataFormatError(file, `${n} images of ${s.join("×")} exceed the limit of ${maxValues} values; read fewer`);

/** Drops alpha, then converts to `want` channels (1 or 3) when asked; the planar values of one image. */
function toChannels(img: DecodedPng, file: string, want?: number): Float32Array {
  const plane = img.width * img.height;
  const colour = img.channels >= 3 ? 3 : 1;
  const v = img.values.subarray(0, colour * plane);
  if (want === undefined || want === colour) return v;
  if (want === 3) {
    const out = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) out.set(v, c * plane);
    return out;
  }
  if (want !== 1) throw new DataFormatError(file, `cannot convert a ${colour}-channel image to ${want} channels`);
  const out = new Float32Array(plane);
  for (let i = 0; i < plane; i++) out[i] = 0.299 * v[i]! + 0.587 * v[plane + i]! + 0.114 * v[2 * plane + i]!;
  return out;
}

/** The [C, H, W] of an NPY array's rows: [N, H, W] is grey, [N, D] needs `want` (or D = 784 → 1×28×28). */
function npyImageShape(shape: number[], file: string, want?: [number, number, number]): [number, number, number] {
  const rest = shape.slice(1);
  let s: [number, number, number];
  if (rest.length === 1) {
    const [d] = rest as [number];
    if (want && want[0] * want[1] * want[2] === d) s = want;
    else if (!want && d === 784) s = [1, 28, 28];
    else {
      const need = want ? `${want.join("×")} = ${want[0] * want[1] * want[2]}` : "784 (28×28)";
      throw new DataFormatError(file, `rows of ${d} values cannot be images of ${need}`);
    }
  } else if (rest.length === 2) s = [1, rest[0]!, rest[1]!];
  else if (rest.length === 3) s = rest as [number, number, number];
  else throw new DataFormatError(file, `shape [${shape.join(", ")}]: expected [N, H, W], [N, D] or [N, C, H, W]`);
  if (want && s.join() !== want.join())
    throw new DataFormatError(file, `images of ${s.join("×")} (C×H×W), expected ${want.join("×")}`);
  return s;
}

function readNpyImages(buf: Uint8Array, file: string, opts: ReadImagesOptions): ImageArray {
  const a = parseNpy(buf, file);
  if (a.shape.length < 2) throw new DataFormatError(file, `shape [${a.shape.join(", ")}] holds no image rows`);
  const n = a.shape[0]!;
  const s = npyImageShape(a.shape, file, opts.shape);
  if (n === 0 || s.includes(0)) throw new DataFormatError(file, `shape [${a.shape.join(", ")}] holds no images`);
  if (a.data.length > (opts.maxValues ?? MAX_IMAGE_VALUES))
    throw tooMany(file, n, s, opts.maxValues ?? MAX_IMAGE_VALUES);
  let data: Float32Array;
  if (a.dtype === "|u1") data = Float32Array.from(a.data, (x) => x / 255);
  else {
    const i = a.data.findIndex((x) => !(x >= 0 && x <= 1));
    if (i >= 0)
      throw new DataFormatError(
        file,
        `value ${a.data[i]} at index ${i} is outside [0, 1] ` +
          `(float images hold intensities in [0, 1], uint8 in 0–255)`,
      );
    data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
  }
  return { data, shape: [n, ...s], files: [file] };
}
