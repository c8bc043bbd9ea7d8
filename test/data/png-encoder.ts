/**
 * A deliberately separate PNG encoder for tests, written from the specification (ISO/IEC 15948): its own CRC table,
 * bit packing, all five filters chosen at random per row, Adam7 interlacing, and IDAT split over several chunks. The
 * decoder under test shares no code with it.
 */
import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One chunk: length, type, data, CRC of type + data. */
export function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)));
  return out;
}

export function ihdr(width: number, height: number, depth: number, colorType: number, interlace = 0): Uint8Array {
  const d = new Uint8Array(13);
  const v = new DataView(d.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return chunk("IHDR", d);
}

export const SIGNATURE = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface PngSpec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  depth: 1 | 2 | 4 | 8 | 16;
  /** samples, pixel-interleaved, row-major: width × height × samplesPerPixel integers in [0, 2^depth) */
  samples: number[];
  /** RGB triples, for colour type 3 */
  palette?: number[];
  interlace?: boolean;
  /** filter type of each row, in order of emission (cycled); default: all five in turn */
  filters?: number[];
}

export const SAMPLES_PER_PIXEL = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

const PASSES = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c,
    pa = Math.abs(p - a),
    pb = Math.abs(p - b),
    pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Packs one row of samples at `depth` bits each, most significant bits first; 16-bit samples big-endian. */
function packRow(samples: number[], depth: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((samples.length * depth) / 8));
  samples.forEach((s, i) => {
    if (depth === 16) {
      out[2 * i] = s >> 8;
      out[2 * i + 1] = s & 0xff;
    } else if (depth === 8) out[i] = s;
    else {
      const bit = i * depth;
      out[bit >> 3]! |= s << (8 - depth - (bit % 8));
    }
  });
  return out;
}

export function encodePng(p: PngSpec): Uint8Array {
  const spp = SAMPLES_PER_PIXEL[p.colorType];
  const bpp = Math.max(1, (spp * p.depth) / 8);
  const passes = p.interlace ? PASSES : [[0, 0, 1, 1]];
  const rows: Uint8Array[] = [];
  let rowCount = 0;
  for (const [x0, y0, dx, dy] of passes) {
    let prev: Uint8Array | null = null;
    for (let y = y0!; y < p.height; y += dy!) {
      const row: number[] = [];
      for (let x = x0!; x < p.width; x += dx!)
        row.push(...p.samples.slice((y * p.width + x) * spp, (y * p.width + x + 1) * spp));
      if (row.length === 0) continue;
      const raw = packRow(row, p.depth);
      const f = (p.filters ?? [0, 1, 2, 3, 4])[rowCount++ % (p.filters ?? [0, 1, 2, 3, 4]).length]!;
      const out = new Uint8Array(raw.length + 1);
      out[0] = f;
      for (let i = 0; i < raw.length; i++) {
        const a = i >= bpp ? raw[i - bpp]! : 0,
          b = prev ? prev[i]! : 0,
          c = prev && i >= bpp ? prev[i - bpp]! : 0;
        const pred = [0, a, b, Math.floor((a + b) / 2), paeth(a, b, c)][f]!;
        out[i + 1] = (raw[i]! - pred + 256) % 256;
      }
      rows.push(out);
      prev = raw;
    }
  }
  const z = deflateSync(concat(rows));
  const third = Math.ceil(z.length / 3);
  const idat = [0, 1, 2].map((k) => chunk("IDAT", z.subarray(k * third, (k + 1) * third))).filter((c) => c.length > 12);
  const plte = p.palette ? [chunk("PLTE", Uint8Array.from(p.palette))] : [];
  return concat([
    SIGNATURE,
    ihdr(p.width, p.height, p.depth, p.colorType, p.interlace ? 1 : 0),
    chunk("tEXt", new TextEncoder().encode("Comment\0ancillary chunks are skipped")),
    ...plte,
    ...idat,
    chunk("IEND", new Uint8Array(0)),
  ]);
}
