/** File formats: IDX (MNIST), NPY (numpy arrays), and the .amat text of the binarized MNIST. All bounds-checked. */
import { gunzipSync } from "node:zlib";

export class DataFormatError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = "DataFormatError";
  }
}

/** Most bytes a gzipped data file may expand to (the largest MNIST file is 47 MB unpacked). */
export const MAX_GUNZIP_BYTES = 2 ** 30;

/** Unpacks gzipped bytes, naming the file in any error and stopping at `MAX_GUNZIP_BYTES` (a gzip bomb). */
function gunzip(buf: Uint8Array, path: string): Uint8Array {
  try {
    return gunzipSync(buf, { maxOutputLength: MAX_GUNZIP_BYTES });
  } catch (e) {
    const big = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
    throw new DataFormatError(
      path,
      big ? `unpacks to more than ${MAX_GUNZIP_BYTES} bytes` : `corrupt gzip data (${(e as Error).message})`,
    );
  }
}

const isGzip = (buf: Uint8Array) => buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** IDX (LeCun's format): magic 0x0000 08 NN (unsigned bytes, NN dims), NN big-endian uint32 sizes, then the data. */
export function parseIdx(buf: Uint8Array, path: string, expectDims?: number[]): IdxArray {
  if (isGzip(buf)) buf = gunzip(buf, path);
  if (buf.length < 4) throw new DataFormatError(path, `too short for an IDX header (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf[0] !== 0 || buf[1] !== 0)
    throw new DataFormatError(path, "bad magic number: the first two bytes of an IDX file are zero");
  if (buf[2] !== 0x08)
    throw new DataFormatError(path, `unsupported IDX type 0x${buf[2]!.toString(16)} (only unsigned bytes, 0x08)`);
  const nd = buf[3]!;
  if (nd < 1 || nd > 4 || buf.length < 4 + 4 * nd)
    throw new DataFormatError(path, `bad IDX header (${nd} dims in ${buf.length} bytes)`);
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1),
    start = 4 + 4 * nd;
  if (buf.length !== start + n)
    throw new DataFormatError(
      path,
      `header promises ${dims.join("×")} = ${n} bytes of data, ` +
        `the file has ${buf.length - start} (truncated or corrupt)`,
    );
  if (expectDims && (expectDims.length !== nd || expectDims.some((d, i) => d >= 0 && d !== dims[i]))) {
    throw new DataFormatError(
      path,
      `dimensions ${dims.join("×")} do not match the expected ${expectDims.map((d) => (d < 0 ? "*" : d)).join("×")}`,
    );
  }
  return { dims, data: buf.subarray(start, start + n) };
}

/** A fresh copy of bytes [begin, end) (Node's Buffer.slice returns a view sharing the file's memory). */
function copyBytes(buf: Uint8Array, begin: number, end: number): Uint8Array {
  const out = new Uint8Array(end - begin);
  out.set(buf.subarray(begin, end));
  return out;
}

export interface NpyArray {
  shape: number[];
  dtype: "<f4" | "<f8" | "|u1";
  data: Float32Array | Float64Array | Uint8Array;
}

const NPY_ITEM = { "<f4": 4, "<f8": 8, "|u1": 1 } as const;
const NPY_NAME = { "<f4": "float32", "<f8": "float64", "|u1": "uint8" } as const;

/**
 * The dimensions of an NPY shape tuple's text ("2, 3" or "6,"): Python integers, each ≥ 0, product a safe integer.
 */
function npyShape(text: string, path: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop(); // the trailing comma of (6,)
  const dims = parts[0] === "" && parts.length === 1 ? [] : parts;
  if (dims.length > 32 || dims.some((d) => !/^\d{1,15}L?$/.test(d)))
    throw new DataFormatError(path, `the shape (${text}) must list non-negative integers`);
  const shape = dims.map((d) => parseInt(d, 10));
  if (!Number.isSafeInteger(shape.reduce((a, b) => a * b, 1) * 8))
    throw new DataFormatError(path, `the shape (${text}) holds more values than any file can`);
  return shape;
}

/** NPY v1/v2/v3 (numpy.save), C order, float32, float64 or uint8. */
export function parseNpy(buf: Uint8Array, path: string): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (buf.length < 10 || magic.some((b, i) => buf[i] !== b))
    throw new DataFormatError(path, "not an NPY file (bad magic)");
  const major = buf[6]!;
  if (major < 1 || major > 3) throw new DataFormatError(path, `NPY format version ${major} is not supported (1–3)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hstart = major === 1 ? 10 : 12;
  if (buf.length < hstart) throw new DataFormatError(path, "truncated NPY header");
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (buf.length < hstart + hlen) throw new DataFormatError(path, "truncated NPY header");
  const header = new TextDecoder().decode(buf.subarray(hstart, hstart + hlen));
  const descr = /^\s*\{.*'descr':\s*'([^']+)'/s.exec(header)?.[1];
  const order = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !order || shapeText === undefined)
    throw new DataFormatError(path, `unreadable NPY header: ${header.trim().slice(0, 200)}`);
  if (order === "True") throw new DataFormatError(path, "Fortran-ordered arrays are not supported");
  if (!(descr in NPY_ITEM))
    throw new DataFormatError(path, `unsupported dtype ${descr} (use float32 '<f4', float64 '<f8' or uint8 '|u1')`);
  const dtype = descr as keyof typeof NPY_ITEM;
  const shape = npyShape(shapeText, path);
  const bytes = shape.reduce((a, b) => a * b, 1) * NPY_ITEM[dtype],
    start = hstart + hlen;
  if (buf.length !== start + bytes)
    throw new DataFormatError(path, `expected ${bytes} bytes of ${NPY_NAME[dtype]} data, found ${buf.length - start}`);
  const copy = copyBytes(buf, start, start + bytes);
  const data = dtype === "|u1" ? copy : dtype === "<f4" ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
  return { shape, dtype, data };
}

/** NPY v1.0 bytes for a float32 array. */
export function encodeNpy(data: Float32Array, shape: number[]): Uint8Array {
  const dims = shape.join(", ") + (shape.length === 1 ? "," : "");
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += " ".repeat(pad % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/**
 * The .amat text of the binarized MNIST (plain or gzipped): one image per line, `dim` values 0/1 separated by spaces.
 */
export function parseAmat(buf: Uint8Array, path: string, dim = 784): Uint8Array {
  if (isGzip(buf)) buf = gunzip(buf, path);
  const rows: number[] = [];
  let lineStart = 0;
  for (let i = 0; i <= buf.length; i++) {
    if (i === buf.length || buf[i] === 0x0a) {
      if (i > lineStart) rows.push(lineStart);
      lineStart = i + 1;
    }
  }
  const out = new Uint8Array(rows.length * dim);
  rows.forEach((s, r) => {
    let k = 0;
    for (let i = s; i < buf.length && buf[i] !== 0x0a; i++) {
      const c = buf[i]!;
      if (c === 0x20 || c === 0x0d || c === 0x09) continue;
      if (
        (c !== 0x30 && c !== 0x31) ||
        (i + 1 < buf.length && buf[i + 1] !== 0x20 && buf[i + 1] !== 0x0a && buf[i + 1] !== 0x0d)
      ) {
        throw new DataFormatError(
          path,
          `line ${r + 1}: expected values 0 or 1 separated by spaces, found "${String.fromCharCode(c)}"`,
        );
      }
      if (k >= dim) throw new DataFormatError(path, `line ${r + 1}: more than ${dim} values`);
      out[r * dim + k++] = c - 0x30;
    }
    if (k !== dim) throw new DataFormatError(path, `line ${r + 1}: ${k} values, expected ${dim} (truncated file?)`);
  });
  return out;
}
