/**
 * PNG decoding (ISO/IEC 15948) into values in [0, 1]: every colour type (grey, grey+alpha, RGB, RGBA, palette), every
 * bit depth (1, 2, 4, 8, 16), both interlace methods. The declared size is checked against a cap before anything is
 * decompressed, and decompression stops at the size the header implies, so a tiny file cannot make us allocate
 * gigabytes or loop for minutes.
 */
import { crc32, inflateSync } from "node:zlib";
import { DataFormatError } from "./formats.js";

/** Default cap on width × height: 2048² pixels (64 MiB of float32 values at 4 channels). */
export const MAX_PNG_PIXELS = 2 ** 22;

export interface DecodedPng {
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB (also palette images), 4 RGBA */
  channels: 1 | 2 | 3 | 4;
  /** planar [channels, height, width], each value in [0, 1] */
  values: Float32Array;
}

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** colour type → samples per pixel and the bit depths the standard allows */
const COLOR_TYPES: Record<number, { samples: number; depths: number[]; name: string }> = {
  0: { samples: 1, depths: [1, 2, 4, 8, 16], name: "greyscale" },
  2: { samples: 3, depths: [8, 16], name: "RGB" },
  3: { samples: 1, depths: [1, 2, 4, 8], name: "palette" },
  4: { samples: 2, depths: [8, 16], name: "greyscale+alpha" },
  6: { samples: 4, depths: [8, 16], name: "RGBA" },
};
/** Adam7 passes: first column, first row, column step, row step */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function parseHeader(d: Uint8Array, path: string, maxPixels: number): Header {
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const h = { width: v.getUint32(0), height: v.getUint32(4), depth: d[8]!, colorType: d[9]!, interlaced: d[12] === 1 };
  const type = COLOR_TYPES[h.colorType];
  if (h.width === 0 || h.height === 0 || h.width > 2 ** 31 - 1 || h.height > 2 ** 31 - 1)
    throw new DataFormatError(path, `not a readable PNG (IHDR declares ${h.width}×${h.height} pixels)`);
  if (!type) throw new DataFormatError(path, `not a readable PNG (unknown colour type ${h.colorType})`);
  if (!type.depths.includes(h.depth))
    throw new DataFormatError(path, `not a readable PNG (bit depth ${h.depth} is not allowed for ${type.name})`);
  if (d[10] !== 0 || d[11] !== 0 || d[12]! > 1)
    throw new DataFormatError(path, "not a readable PNG (unknown compression, filter or interlace method)");
  if (h.width * h.height > maxPixels)
    throw new DataFormatError(
      path,
      `declares ${h.width}×${h.height} = ${h.width * h.height} pixels, more than the limit of ${maxPixels}`,
    );
  return h;
}

interface Chunks {
  header: Header;
  palette: Uint8Array | null;
  idat: Uint8Array[];
}

/** Walks the chunks, checking lengths and CRCs; keeps IHDR, PLTE and the IDAT pieces. */
function readChunks(buf: Uint8Array, path: string, maxPixels: number): Chunks {
  const bad = (why: string): never => {
    throw new DataFormatError(path, `not a readable PNG (${why})`);
  };
  if (buf.length < 8 || SIGNATURE.some((b, i) => buf[i] !== b)) bad("no PNG signature");
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let header: Header | null = null,
    palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  for (let p = 8; ;) {
    if (p + 12 > buf.length) bad("truncated: the file ends before its IEND chunk");
    const len = view.getUint32(p);
    const type = String.fromCharCode(...buf.subarray(p + 4, p + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) bad(`a chunk type of ${JSON.stringify(type)} (corrupt file)`);
    if (len > buf.length - p - 12) bad(`truncated: chunk ${JSON.stringify(type)} runs past the end of the file`);
    const data = buf.subarray(p + 8, p + 8 + len);
    if (crc32(buf.subarray(p + 4, p + 8 + len)) !== view.getUint32(p + 8 + len))
      bad(`chunk ${JSON.stringify(type)} fails its CRC check (corrupt file)`);
    p += 12 + len;
    if (!header && type !== "IHDR") bad("the first chunk is not IHDR");
    if (type === "IHDR") {
      if (header || len !== 13) bad("a second or malformed IHDR chunk");
      header = parseHeader(data, path, maxPixels);
    } else if (type === "PLTE") {
      if (len === 0 || len % 3 !== 0 || len > 768) bad(`a PLTE chunk of ${len} bytes`);
      palette = data;
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    else if ((type.charCodeAt(0) & 0x20) === 0) bad(`unknown critical chunk ${JSON.stringify(type)}`);
  }
  if (idat.length === 0) bad("no image data (IDAT chunk)");
  return { header: header!, palette, idat };
}

/** Pixel grids of the passes: the whole image, or Adam7's seven sub-images. */
function passesOf(h: Header): Array<{ x0: number; y0: number; dx: number; dy: number; w: number; h: number }> {
  const all = h.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  return all
    .map(([x0, y0, dx, dy]) => ({
      x0,
      y0,
      dx,
      dy,
      w: Math.max(0, Math.ceil((h.width - x0) / dx)),
      h: Math.max(0, Math.ceil((h.height - y0) / dy)),
    }))
    .filter((p) => p.w > 0 && p.h > 0);
}

/** Undoes the per-scanline filters (None, Sub, Up, Average, Paeth) in place; rows start with their filter byte. */
function unfilter(raw: Uint8Array, at: number, rows: number, rowBytes: number, bpp: number, path: string): void {
  for (let y = 0; y < rows; y++) {
    const f = raw[at + y * (rowBytes + 1)]!,
      row = at + y * (rowBytes + 1) + 1,
      prev = row - rowBytes - 1;
    if (f > 4) throw new DataFormatError(path, `not a readable PNG (unknown filter type ${f} on row ${y})`);
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? raw[row + i - bpp]! : 0,
        b = y > 0 ? raw[prev + i]! : 0,
        c = y > 0 && i >= bpp ? raw[prev + i - bpp]! : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) {
        const pa = Math.abs(b - c),
          pb = Math.abs(a - c),
          pc = Math.abs(a + b - 2 * c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      raw[row + i] = (raw[row + i]! + pred) & 0xff;
    }
  }
}

function inflate(idat: Uint8Array[], expected: number, path: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" ? "more than its size implies" : "corrupt";
    throw new DataFormatError(
      path,
      `not a readable PNG (the compressed image data is ${why}: ${(e as Error).message})`,
    );
  }
  if (raw.length !== expected)
    throw new DataFormatError(path, `not a readable PNG (image data holds ${raw.length} bytes, expected ${expected})`);
  return raw;
}

/** Decodes a PNG file's bytes; `maxPixels` caps width × height (checked before any decompression). */
export function decodePng(buf: Uint8Array, path: string, maxPixels = MAX_PNG_PIXELS): DecodedPng {
  const { header: h, palette, idat } = readChunks(buf, path, maxPixels);
  const samples = COLOR_TYPES[h.colorType]!.samples,
    bitsPerPixel = samples * h.depth,
    bpp = Math.max(1, bitsPerPixel >> 3);
  if (h.colorType === 3 && !palette) throw new DataFormatError(path, "not a readable PNG (palette image without PLTE)");
  const passes = passesOf(h);
  const rowBytes = passes.map((p) => Math.ceil((p.w * bitsPerPixel) / 8));
  const raw = inflate(
    idat,
    passes.reduce((s, p, i) => s + p.h * (rowBytes[i]! + 1), 0),
    path,
  );
  const channels = (h.colorType === 3 ? 3 : samples) as DecodedPng["channels"];
  const plane = h.width * h.height,
    values = new Float32Array(channels * plane),
    maxSample = 2 ** h.depth - 1,
    nColors = palette ? palette.length / 3 : 0;
  let at = 0;
  passes.forEach((p, k) => {
    unfilter(raw, at, p.h, rowBytes[k]!, bpp, path);
    for (let y = 0; y < p.h; y++) {
      const row = at + y * (rowBytes[k]! + 1) + 1,
        out = (p.y0 + y * p.dy) * h.width + p.x0;
      for (let x = 0; x < p.w; x++) {
        const o = out + x * p.dx;
        for (let s = 0; s < samples; s++) {
          const bit = (x * samples + s) * h.depth;
          const sample =
            h.depth === 16
              ? (raw[row + (bit >> 3)]! << 8) | raw[row + (bit >> 3) + 1]!
              : (raw[row + (bit >> 3)]! >> (8 - h.depth - (bit & 7))) & maxSample;
          if (h.colorType !== 3) {
            values[s * plane + o] = sample / maxSample;
            continue;
          }
          if (sample >= nColors)
            throw new DataFormatError(path, `palette index ${sample} but the palette holds ${nColors} colours`);
          for (let c = 0; c < 3; c++) values[c * plane + o] = palette![3 * sample + c]! / 255;
        }
      }
    }
    at += p.h * (rowBytes[k]! + 1);
  });
  return { width: h.width, height: h.height, channels, values };
}
