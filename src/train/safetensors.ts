/**
 * safetensors (the Hugging Face format): u64 little-endian header length N, N bytes of JSON
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the data buffer.
 * The reader checks every bound before touching data and rejects the whole file on any inconsistency.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/fs.js";

export type SafeDType = "F32" | "F64" | "I32" | "U32" | "U8";
export type SafeArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  data: SafeArray;
}

const ITEM: Record<SafeDType, number> = { F32: 4, F64: 8, I32: 4, U32: 4, U8: 1 };
const MAX_HEADER = 100 * 1024 * 1024;

export class CheckpointError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = "CheckpointError";
  }
}

function dtypeOf(a: SafeArray): SafeDType {
  if (a instanceof Float32Array) return "F32";
  if (a instanceof Float64Array) return "F64";
  if (a instanceof Int32Array) return "I32";
  if (a instanceof Uint32Array) return "U32";
  return "U8";
}

export function encodeSafetensors(
  tensors: Map<string, { shape: number[]; data: SafeArray }>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new RangeError(`safetensors: ${name} has ${t.data.length} values for shape [${t.shape.join(",")}]`);
    header[name] = { dtype: dtypeOf(t.data), shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8); // data starts 8-byte aligned
  const jsonBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + jsonBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  let at = 8 + jsonBytes.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/**
 * The first key that appears twice in one object of a (valid) JSON text, and its nesting depth. JSON.parse keeps the
 * last of duplicates silently; the safetensors format forbids them, since two readers could then see different tensors.
 */
function duplicateKey(json: string): { key: string; depth: number } | null {
  const stack: Array<Set<string> | null> = []; // a Set of keys per open object, null per open array
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (keys.has(key)) return { key, depth: stack.length };
        keys.add(key);
      }
      expectKey = false;
      i = j;
    } else if (c === "{") {
      stack.push(new Set());
      expectKey = true;
    } else if (c === "[") {
      stack.push(null);
      expectKey = false;
    } else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") expectKey = stack[stack.length - 1] !== null;
  }
  return null;
}

export function decodeSafetensors(buf: Uint8Array, path: string): SafetensorsFile {
  const bad = (why: string): never => {
    throw new CheckpointError(path, `not a valid safetensors file: ${why}`);
  };
  if (buf.length < 8) bad(`${buf.length} bytes is shorter than the 8-byte header length`);
  const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, buf.length - 8)))
    bad(`header length ${n} exceeds the file (${buf.length} bytes)`);
  const hlen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(8, 8 + hlen)));
  } catch (e) {
    bad(`header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) bad("header is not a JSON object");
  const dup = duplicateKey(new TextDecoder().decode(buf.subarray(8, 8 + hlen)));
  if (dup)
    bad(dup.depth === 1 ? `tensor name "${dup.key}" appears twice` : `key "${dup.key}" appears twice in one object`);
  const body = buf.subarray(8 + hlen);
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  const spans: Array<[number, number, string]> = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (
        typeof v !== "object" ||
        v === null ||
        Array.isArray(v) ||
        Object.values(v).some((x) => typeof x !== "string")
      )
        bad(`__metadata__ must map strings to strings, found ${JSON.stringify(v).slice(0, 60)}`);
      metadata = v as Record<string, string>;
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) bad(`entry "${name}" is not an object`);
    if (typeof e.dtype !== "string" || !(e.dtype in ITEM))
      bad(`"${name}": unsupported dtype ${JSON.stringify(e.dtype)} (F32, F64, I32, U32, U8)`);
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isSafeInteger(d) || d < 0))
      bad(`"${name}": shape must be a list of non-negative integers`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((d) => !Number.isSafeInteger(d) || d < 0))
      bad(`"${name}": data_offsets must be [begin, end]`);
    const [b, end] = off as [number, number];
    const dtype = e.dtype as SafeDType,
      shape = e.shape as number[];
    const count = shape.reduce((a, x) => a * x, 1);
    if (end < b || end > body.length)
      bad(`"${name}": data_offsets [${b}, ${end}] fall outside the ${body.length}-byte data buffer`);
    if (end - b !== count * ITEM[dtype]) bad(`"${name}": ${end - b} bytes for ${count} values of ${dtype}`);
    spans.push([b, end, name]);
    const bytes = new Uint8Array(end - b); // a copy, aligned for the typed array (Buffer.slice would be a view)
    bytes.set(body.subarray(b, end));
    const data: SafeArray =
      dtype === "F32"
        ? new Float32Array(bytes.buffer)
        : dtype === "F64"
          ? new Float64Array(bytes.buffer)
          : dtype === "I32"
            ? new Int32Array(bytes.buffer)
            : dtype === "U32"
              ? new Uint32Array(bytes.buffer)
              : bytes;
    tensors.set(name, { dtype, shape, data });
  }
  spans.sort((x, y) => x[0] - y[0]);
  let covered = 0;
  for (const [b, end, name] of spans) {
    if (b !== covered)
      bad(b < covered ? `"${name}" overlaps the previous tensor` : `a gap of ${b - covered} bytes before "${name}"`);
    covered = end;
  }
  if (covered !== body.length)
    bad(`${body.length - covered} trailing bytes after the last tensor (truncated or corrupt)`);
  return { tensors, metadata };
}

export function readSafetensors(path: string): SafetensorsFile {
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeSafetensors(buf, path);
}

export function writeSafetensors(
  path: string,
  tensors: Map<string, { shape: number[]; data: SafeArray }>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
