/**
 * What is fuzzed: every reader of user files. Each target has seed inputs, a mutation step (structure-aware where a
 * checksum or length prefix would otherwise stop every mutant at the door), the call, and checks on what a successful
 * call returns.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { crc32, deflateSync, gzipSync, inflateSync } from "node:zlib";
import { encode as encodeFastPng } from "fast-png";
import { encodeNpy, parseAmat, parseIdx, parseNpy } from "../src/data/formats.js";
import { readImages } from "../src/data/images.js";
import { decodeSafetensors, encodeSafetensors } from "../src/train/safetensors.js";
import { loadWeights, readConfig, saveWeights } from "../src/train/checkpoint.js";
import { readConfigSource } from "../src/app/run-spec.js";
import { models, Generator } from "../src/index.js";
import { encodePng } from "../test/data/png-encoder.js";
import { inputSeed, mutateBytes, mutateText, Rng } from "./mutate.js";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/server/server.js";
import { Jobs } from "../src/server/jobs.js";

export interface Target {
  name: string;
  seeds: Uint8Array[];
  /** offsets of integer header fields worth tweaking */
  fields?: number[];
  /** a structure-aware mutation, tried on some inputs instead of a blind one */
  structured?: (rng: Rng, buf: Uint8Array) => Uint8Array;
  /** parses the input; throws on bad input; returns a complaint if the result breaks an invariant */
  run: (buf: Uint8Array, file: string) => string | null | Promise<string | null>;
  /** a target that misbehaves on purpose, to show each kind of finding is caught; run only when named */
  selfTest?: boolean;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);
/** Inputs are written to files for the readers that take paths; a RAM disk where there is one keeps that cheap. */
const inherited = process.env.DEEPGEN_FUZZ_SCRATCH; // a child works in its parent's folder, which the parent removes
const scratch = inherited ?? mkdtempSync(path.join(existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir(), "deepgen-fuzz-"));
if (!inherited) process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
const writeInput = (name: string, buf: Uint8Array) => {
  const file = path.join(scratch, name);
  writeFileSync(file, buf);
  return file;
};

function idx(dims: number[], body: number[]): Uint8Array {
  const h = new Uint8Array(4 + 4 * dims.length);
  h.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => new DataView(h.buffer).setUint32(4 + 4 * i, d));
  return Uint8Array.from([...h, ...body]);
}

const g = new Generator(1);
const unit = (n: number) => Float32Array.from(g.uniform01(n));
const bytes = (n: number) => Uint8Array.from(g.integers(n, 256));

/** An NPY file's bytes with its header text replaced (length field and padding recomputed). */
function withNpyHeader(buf: Uint8Array, f: (header: string) => string): Uint8Array {
  const v1 = buf[6] === 1,
    hstart = v1 ? 10 : 12;
  if (buf.length < hstart) return buf;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hlen = v1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const header = f(dec(buf.subarray(hstart, hstart + hlen))).slice(0, 60000);
  const out = new Uint8Array(10 + header.length + Math.max(0, buf.length - hstart - hlen));
  out.set(buf.subarray(0, 8));
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(enc(header).subarray(0, header.length), 10);
  out.set(buf.subarray(hstart + hlen), 10 + header.length);
  return out;
}

/** A safetensors file's bytes with its JSON header replaced (length prefix recomputed). */
function withSafeHeader(buf: Uint8Array, f: (header: string) => string): Uint8Array {
  if (buf.length < 8) return buf;
  const n = Math.min(Number(new DataView(buf.buffer, buf.byteOffset).getBigUint64(0, true)), buf.length - 8);
  const header = enc(f(dec(buf.subarray(8, 8 + n))));
  const out = new Uint8Array(8 + header.length + buf.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(buf.subarray(8 + n), 8 + header.length);
  return out;
}

/** Recomputes every chunk's CRC (so mutants get past the checksum to the decoder). */
function fixPngCrcs(buf: Uint8Array): Uint8Array {
  const out = Uint8Array.from(buf),
    v = new DataView(out.buffer);
  for (let p = 8; p + 12 <= out.length;) {
    const len = v.getUint32(p);
    if (len > out.length - p - 12) break;
    v.setUint32(p + 8 + len, crc32(out.subarray(p + 4, p + 8 + len)));
    p += 12 + len;
  }
  return out;
}

/** Inflates the IDAT data, mutates the raw scanlines (filters, samples, length), deflates it back into one IDAT. */
function mutatePngPixels(rng: Rng, buf: Uint8Array): Uint8Array {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const before: Uint8Array[] = [],
    idat: Uint8Array[] = [],
    after: Uint8Array[] = [];
  for (let p = 8; p + 12 <= buf.length;) {
    const len = v.getUint32(p);
    if (len > buf.length - p - 12) return buf;
    const type = dec(buf.subarray(p + 4, p + 8));
    if (type === "IDAT") idat.push(buf.subarray(p + 8, p + 8 + len));
    else (idat.length ? after : before).push(buf.subarray(p, p + 12 + len));
    p += 12 + len;
  }
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: 1 << 24 });
  } catch {
    return buf;
  }
  const mutated = mutateBytes(rng, raw, []);
  const z = deflateSync(mutated);
  const chunk = new Uint8Array(12 + z.length);
  new DataView(chunk.buffer).setUint32(0, z.length);
  chunk.set(enc("IDAT"), 4);
  chunk.set(z, 8);
  return fixPngCrcs(Buffer.concat([buf.subarray(0, 8), ...before, chunk, ...after]));
}

function checkImages(r: { data: Float32Array; shape: number[] }): string | null {
  if (r.shape.length !== 4 || r.shape.some((d) => !Number.isSafeInteger(d) || d < 1))
    return `bad shape [${r.shape.join(", ")}]`;
  if (r.data.length !== prod(r.shape)) return `${r.data.length} values for shape [${r.shape.join(", ")}]`;
  const i = r.data.findIndex((x) => !(x >= 0 && x <= 1));
  return i >= 0 ? `value ${r.data[i]} at index ${i} outside [0, 1]` : null;
}

const pngSeeds = [
  encodeFastPng({ width: 28, height: 28, data: bytes(784), channels: 1, depth: 8 }),
  encodeFastPng({ width: 5, height: 3, data: bytes(60), channels: 4, depth: 8 }),
  encodePng({ width: 7, height: 5, colorType: 0, depth: 1, samples: [...g.integers(35, 2)] }),
  encodePng({ width: 6, height: 4, colorType: 3, depth: 4, samples: [...g.integers(24, 5)], palette: [...bytes(15)] }),
  encodePng({ width: 9, height: 9, colorType: 2, depth: 16, samples: [...g.integers(243, 65536)], interlace: true }),
  encodePng({ width: 3, height: 2, colorType: 4, depth: 8, samples: [...g.integers(12, 256)] }),
];

const made = models.getModelSpec("made");
const smallMade = () => models.createModel(made, { hidden: [5] }, { dim: 6, shape: [1, 2, 3] }, new Generator(2));
const checkpointSeed = (() => {
  const f = path.join(scratch, "seed.safetensors");
  saveWeights(f, smallMade(), { note: "seed" });
  return new Uint8Array(readFileSync(f));
})();

const runConfig = {
  format: 1,
  deepgen: "0.1.0",
  model: "made",
  options: { hidden: [5] },
  dataset: "binarized-mnist",
  dim: 6,
  shape: [1, 2, 3],
  seed: 1,
  training: { dataset: "binarized-mnist", epochs: 1, batchSize: 10, lr: 0.001 },
};

export const TARGETS: Target[] = [
  {
    name: "amat",
    seeds: [enc("0 1 1 0\n1 0 0 1\n"), gzipSync(enc("1 1 1 1\r\n0 0 0 0\n")), enc("0 1 0 1")],
    run: (buf, file) => {
      const out = parseAmat(buf, file, 4);
      return out.length % 4 !== 0 || out.some((x) => x !== 0 && x !== 1) ? "values other than 0/1" : null;
    },
  },
  {
    name: "idx",
    seeds: [idx([3, 2, 2], [...bytes(12)]), gzipSync(idx([4], [...bytes(4)])), idx([1, 1, 2, 2], [...bytes(4)])],
    fields: [0, 1, 2, 3, 4, 8, 12, 16],
    run: (buf, file) => {
      const r = parseIdx(buf, file);
      return r.data.length !== prod(r.dims) ? `${r.data.length} bytes for dims ${r.dims}` : null;
    },
  },
  {
    name: "npy",
    seeds: [
      encodeNpy(unit(6), [2, 3]),
      encodeNpy(unit(4), [4]),
      withNpyHeader(encodeNpy(new Float32Array(0), [2, 2]), (h) => h.replace("<f4", "|u1")),
    ],
    fields: [6, 7, 8, 9],
    structured: (rng, buf) => withNpyHeader(buf, (h) => mutateText(rng, h)),
    run: (buf, file) => {
      const r = parseNpy(buf, file);
      if (r.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) return `bad shape ${r.shape}`;
      return r.data.length !== prod(r.shape) ? `${r.data.length} values for shape ${r.shape}` : null;
    },
  },
  {
    name: "images-npy",
    seeds: [
      encodeNpy(unit(2 * 784), [2, 784]),
      encodeNpy(unit(784), [1, 28, 28]),
      encodeNpy(unit(784), [1, 1, 28, 28]),
    ],
    fields: [6, 8],
    structured: (rng, buf) => withNpyHeader(buf, (h) => mutateText(rng, h)),
    run: (buf) => checkImages(readImages(writeInput("in.npy", buf))),
  },
  {
    name: "images-png",
    seeds: pngSeeds,
    fields: [8, 12, 16, 20, 24, 25, 26, 27, 28, 33],
    structured: (rng, buf) =>
      rng.chance(0.5) ? mutatePngPixels(rng, buf) : fixPngCrcs(mutateBytes(rng, buf, pngSeeds)),
    run: (buf) => checkImages(readImages(writeInput("in.png", buf))),
  },
  {
    name: "images-folder",
    seeds: pngSeeds.slice(0, 3),
    structured: (rng, buf) => fixPngCrcs(mutateBytes(rng, buf, pngSeeds)),
    run: (buf) => {
      const dir = path.join(scratch, "folder");
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "a.png"), pngSeeds[0]!);
      writeFileSync(path.join(dir, "b.png"), buf);
      return checkImages(readImages(dir, { shape: [1, 28, 28] }));
    },
  },
  {
    name: "safetensors",
    seeds: [
      encodeSafetensors(new Map([["w", { shape: [2, 3], data: unit(6) }]]), { a: "b" }),
      encodeSafetensors(
        new Map<string, { shape: number[]; data: Float32Array | Uint8Array }>([
          ["a", { shape: [2], data: unit(2) }],
          ["b", { shape: [0], data: new Uint8Array(0) }],
        ]),
      ),
    ],
    fields: [0, 4],
    structured: (rng, buf) => withSafeHeader(buf, (h) => mutateText(rng, h)),
    run: (buf, file) => {
      const r = decodeSafetensors(buf, file);
      if (typeof r.metadata !== "object" || Object.values(r.metadata).some((v) => typeof v !== "string"))
        return "metadata is not string → string";
      for (const [k, t] of r.tensors) if (t.data.length !== prod(t.shape)) return `${k}: ${t.data.length} values`;
      return null;
    },
  },
  {
    name: "checkpoint",
    seeds: [checkpointSeed],
    fields: [0],
    structured: (rng, buf) => withSafeHeader(buf, (h) => mutateText(rng, h)),
    run: (buf) => {
      const model = smallMade();
      loadWeights(writeInput("in.safetensors", buf), model);
      return model.parameters().some((p) =>
        p
          .toArray()
          .flat(4)
          .some((x) => !Number.isFinite(x as number)),
      )
        ? "non-finite weights loaded"
        : null;
    },
  },
  {
    name: "config-file",
    seeds: [
      enc(JSON.stringify({ options: { hidden: [5] }, training: { epochs: 2, lr: 0.001 } })),
      enc('{"hidden":[5]}'),
    ],
    structured: (rng, buf) => enc(mutateText(rng, dec(buf))),
    run: (buf) => {
      const r = readConfigSource(writeInput("config.json", buf));
      const obj = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
      return obj(r.options) && obj(r.training) ? null : `options or training is not an object: ${JSON.stringify(r)}`;
    },
  },
  {
    name: "run-config",
    seeds: [enc(JSON.stringify(runConfig))],
    structured: (rng, buf) => enc(mutateText(rng, dec(buf))),
    run: (buf) => {
      const dir = path.join(scratch, "run");
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "config.json"), buf);
      const c = readConfig(dir);
      return c.shape.length === 3 ? null : "shape is not [C, H, W]";
    },
  },
];

/**
 * The studio's HTTP bodies, through fastify's in-process injection (no socket): any body may be refused with a 4xx and
 * a JSON message, never answered with a 5xx. The runs directory holds one tiny finished run, so valid bodies reach
 * the scoring and completion code.
 */
let studio: FastifyInstance | null = null;
function studioApp(): FastifyInstance {
  if (studio) return studio;
  const runsDir = path.join(scratch, "studio-runs");
  cpSync(path.resolve(import.meta.dirname, "../test/fixtures/v0.1/made"), path.join(runsDir, "made"), {
    recursive: true,
  });
  studio = buildApp({ runsDir, jobs: new Jobs() });
  return studio;
}
const image = () => Array.from({ length: 784 }, (_, i) => ((i * 7919) % 13 < 4 ? 1 : 0));
for (const [route, body] of [
  ["/api/score", { runs: ["made"], images: image() }],
  ["/api/complete", { run: "made", image: image(), keep: "top", samples: 2, seed: 1 }],
] as const)
  TARGETS.push({
    name: `studio${route.replace("/api", "").replaceAll("/", "-")}`,
    seeds: [enc(JSON.stringify(body))],
    structured: (rng, buf) => enc(mutateText(rng, dec(buf))),
    run: async (buf) => {
      const r = await studioApp().inject({
        method: "POST",
        url: route,
        headers: { "content-type": "application/json" },
        payload: Buffer.from(buf),
      });
      if (r.statusCode >= 500) return `HTTP ${r.statusCode}: ${r.body.slice(0, 300)}`;
      if (r.statusCode >= 400 && !/"(message|error)"/.test(r.body)) return `HTTP ${r.statusCode} without a message`;
      return null;
    },
  });

/** A deliberately broken reader: a hash of each input picks a misbehaviour (about one input in 64 each). */
TARGETS.push({
  name: "self-test",
  seeds: [enc("self-test seed")],
  selfTest: true,
  run: (buf, file) => {
    const b = crc32(buf) % 64;
    if (b === 1) for (;;); // hang
    if (b === 2) process.abort(); // crash
    if (b === 3) new Uint8Array(3 << 29).fill(1); // 1.5 GiB touched
    if (b === 4) return (null as unknown as { x: string }).x; // a TypeError from deep inside
    if (b === 5) return "a result breaking the contract";
    throw new Error(`${file}: a clean refusal`);
  },
});

/** Input k of a run with `seed`: a seed input with one to four mutations, at most 1 MiB. */
export function makeInput(t: Target, seed: number, k: number): Uint8Array {
  const rng = new Rng(inputSeed(seed, k));
  let buf = rng.pick(t.seeds);
  for (let m = 1 + rng.int(4); m > 0; m--)
    buf = t.structured && rng.chance(0.5) ? t.structured(rng, buf) : mutateBytes(rng, buf, t.seeds, t.fields);
  return buf.subarray(0, 1 << 20);
}

export { scratch };
