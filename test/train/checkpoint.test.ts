/** safetensors round trip and rejection of malformed files; loading never half-applies. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { decodeSafetensors, encodeSafetensors, CheckpointError } from "../../src/train/safetensors.js";
import { loadWeights, readConfig, saveWeights } from "../../src/train/checkpoint.js";
import { models, Generator } from "../../src/index.js";
import { tempDir } from "../tmp.js";

const sample = () =>
  new Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>([
    ["w", { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
    ["idx", { shape: [3], data: Int32Array.from([7, -1, 2]) }],
    ["flags", { shape: [2], data: Uint8Array.from([1, 0]) }],
  ]);

function withHeader(header: object, body: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

function withRawHeader(json: string, body: Uint8Array): Uint8Array {
  const bytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + bytes.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(bytes.length), true);
  out.set(bytes, 8);
  out.set(body, 8 + bytes.length);
  return out;
}
const entry = (b: number, e: number) => `{"dtype":"F32","shape":[${(e - b) / 4}],"data_offsets":[${b},${e}]}`;
const one = { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };

test("safetensors round trip: dtypes, shapes, metadata, 8-byte aligned data", () => {
  const bytes = encodeSafetensors(sample(), { model: "made", note: "x" });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0);
  const f = decodeSafetensors(bytes, "a.safetensors");
  assert.deepEqual(f.metadata, { model: "made", note: "x" });
  assert.deepEqual([...f.tensors.get("w")!.data], [1, 2, 3, 4, 5, -6.5]);
  assert.equal(f.tensors.get("idx")!.dtype, "I32");
  assert.deepEqual(f.tensors.get("w")!.shape, [2, 3]);
});

test("malformed safetensors files are rejected with the reason", () => {
  const good = encodeSafetensors(sample());
  const body = new Uint8Array(8);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["short", good.subarray(0, 5), /shorter than the 8-byte header length/],
    ["truncated", good.subarray(0, good.length - 3), /(outside|trailing|bytes for)/],
    ["trailing", Uint8Array.from([...good, 0, 0]), /2 trailing bytes/],
    ["huge header", Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 0]), /header length \d+ exceeds the file/],
    ["bad json", withHeader({}, body).map((b, i) => (i === 8 ? 0x7b + 1 : b)), /not UTF-8 JSON/],
    ["dtype", withHeader({ a: { dtype: "BF16", shape: [4], data_offsets: [0, 8] } }, body), /unsupported dtype "BF16"/],
    [
      "size",
      withHeader({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, body),
      /8 bytes for 3 values of F32/,
    ],
    [
      "overlap",
      withHeader(
        {
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
        },
        body,
      ),
      /overlaps/,
    ],
    ["gap", withHeader({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, body), /gap of 4 bytes/],
    ["shape", withHeader({ a: { dtype: "F32", shape: [-2], data_offsets: [0, 8] } }, body), /non-negative integers/],
    ["outside", withHeader({ a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, body), /fall outside/],
    ["meta array", withHeader({ __metadata__: ["a"], ...one }, body), /__metadata__ must map strings to strings/],
    ["meta number", withHeader({ __metadata__: { a: 1 }, ...one }, body), /__metadata__ must map strings to strings/],
    ["meta nested", withHeader({ __metadata__: { a: {} }, ...one }, body), /__metadata__ must map strings to strings/],
    ["meta string", withHeader({ __metadata__: "x", ...one }, body), /__metadata__ must map strings to strings/],
    ["duplicate", withRawHeader(`{"a":${entry(0, 8)},"a":${entry(0, 8)}}`, body), /tensor name "a" appears twice/],
    ["escaped", withRawHeader(`{"a":${entry(0, 8)},"\\u0061":${entry(0, 8)}}`, body), /"a" appears twice/],
    ["nested", withRawHeader(`{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, body), /twice/],
  ];
  for (const [name, bytes, why] of cases) {
    assert.throws(
      () => decodeSafetensors(bytes, `${name}.safetensors`),
      (e: Error) =>
        e instanceof CheckpointError && why.test(e.message) && e.message.startsWith(`${name}.safetensors: `),
      name,
    );
  }
});

test("a bad checkpoint leaves the model untouched", () => {
  const dir = tempDir("deepgen-ckpt-");
  const spec = models.getModelSpec("made");
  const make = (seed: number) =>
    models.createModel(spec, { hidden: [5] }, { dim: 6, shape: [1, 2, 3] }, new Generator(seed));
  const a = make(1),
    b = make(2);
  saveWeights(path.join(dir, "a.safetensors"), a, {});
  const before = b.parameters().map((p) => p.toArray());
  const c = models.createModel(spec, { hidden: [7] }, { dim: 6, shape: [1, 2, 3] }, new Generator(3));
  saveWeights(path.join(dir, "c.safetensors"), c, {});
  assert.throws(
    () => loadWeights(path.join(dir, "c.safetensors"), b),
    /layer0\.weight has shape \[7,6\], the model expects \[5,6\]/,
  );
  writeFileSync(path.join(dir, "t.safetensors"), encodeSafetensors(sample()).subarray(0, 40));
  assert.throws(() => loadWeights(path.join(dir, "t.safetensors"), b), CheckpointError);
  assert.deepEqual(
    b.parameters().map((p) => p.toArray()),
    before,
  );
  loadWeights(path.join(dir, "a.safetensors"), b);
  assert.deepEqual(
    b.parameters().map((p) => p.toArray()),
    a.parameters().map((p) => p.toArray()),
  );
});

test("a checkpoint holding NaN or Infinity is refused at load, naming the tensor and the index", () => {
  const dir = tempDir("deepgen-ckpt-");
  const spec = models.getModelSpec("made");
  const make = (seed: number) =>
    models.createModel(spec, { hidden: [5] }, { dim: 6, shape: [1, 2, 3] }, new Generator(seed));
  const a = make(1),
    b = make(2);
  const before = b.parameters().map((p) => p.toArray());
  const [name, w] = [...a.stateDict()].find(([, t]) => t.shape.length === 2)!;
  const g = new Generator(7);
  for (const bad of [NaN, Infinity, -Infinity]) {
    const at = g.integers(1, w.data.length)[0]!; // a random position, so the index in the message is real
    const keep = w.data[at]!;
    w.data[at] = bad;
    const file = path.join(dir, "bad.safetensors");
    saveWeights(file, a, {});
    w.data[at] = keep;
    const what = Number.isNaN(bad) ? "NaN" : String(bad);
    assert.throws(
      () => loadWeights(file, b),
      (e: Error) =>
        e instanceof CheckpointError &&
        e.message.startsWith(`${file}: tensor "${name}" holds ${what} at index ${at}; the run diverged`),
      what,
    );
  }
  assert.deepEqual(
    b.parameters().map((p) => p.toArray()),
    before,
    "the model is untouched",
  );
});

test("a config.json that is not a run config is refused with its path, whatever its JSON holds", () => {
  const dir = tempDir("deepgen-ckpt-");
  const ok = { format: 1, deepgen: "0", model: "made", options: {}, dataset: "x", dim: 6, shape: [1, 2, 3], seed: 1 };
  for (const bad of [null, [], 3, "x", { ...ok, options: null }, { ...ok, shape: [1, -2, 3] }, { ...ok, dim: "6" }]) {
    writeFileSync(path.join(dir, "config.json"), JSON.stringify(bad));
    assert.throws(
      () => readConfig(dir),
      (e: Error) => e instanceof CheckpointError && /not a deepgen run config/.test(e.message),
      JSON.stringify(bad),
    );
  }
  writeFileSync(path.join(dir, "config.json"), JSON.stringify(ok));
  assert.equal(readConfig(dir).model, "made");
});
