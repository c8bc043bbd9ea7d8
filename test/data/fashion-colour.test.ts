/** Fashion-MNIST (files, checksums, splits, binarized variant) and colour MNIST (shape, grid, colours, determinism). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { app, data, Generator, tensor } from "../../src/index.js";
import { tempDir } from "../tmp.js";

const tmp = () => tempDir("deepgen-fashion-");
const dataDir = process.env.DEEPGEN_DATA_DIR ?? path.resolve(import.meta.dirname, "../../../shared/data");
const haveFashion = data.hasFashionMnist(dataDir);
const skipFashion = haveFashion
  ? false
  : `Fashion-MNIST not found in ${data.fashionMnistDirs(dataDir).join(" or ")}; ` +
    "apt-get install -y dataset-fashion-mnist to run this test";

/** True when every value is k/255 for an integer k in [0, 255] (to float32 rounding, 1e-6). */
function onByteGrid(v: Float32Array): boolean {
  for (const x of v) if (!(x >= 0 && x <= 1 && Math.abs(x * 255 - Math.round(x * 255)) < 1e-4)) return false;
  return true;
}

test(
  "Fashion-MNIST: 50k/10k/10k 8-bit splits in [0, 1] with labels 0–9; valid is the last 10k of train",
  { skip: skipFashion },
  () => {
    const ds = data.loadDataset("fashion-mnist", dataDir);
    const raw = data.loadFashionMnistRaw(dataDir);
    for (const [name, n] of [
      ["train", 50000],
      ["valid", 10000],
      ["test", 10000],
    ] as const) {
      const s = ds.split(name);
      assert.equal(s.n, n);
      assert.equal(s.dim, 784);
      assert.deepEqual(s.shape, [1, 28, 28]);
      assert.equal(s.values.length, n * 784);
      assert.ok(onByteGrid(s.values), `${name}: values on the 8-bit grid`);
      const counts = new Array(10).fill(0);
      for (const y of s.labels!) counts[y]++;
      assert.ok(
        counts.every((c) => c > n / 20),
        `${name}: every class present (${counts})`,
      );
    }
    // the validation split's first image is raw training image 50000, byte for byte (exact: k/255 of a byte)
    const v = ds.split("valid").values.subarray(0, 784);
    assert.deepEqual(
      [...v],
      Array.from(raw.trainX.subarray(50000 * 784, 50001 * 784), (b) => Math.fround(b / 255)),
    );
    assert.equal(ds.split("valid").labels![0], raw.trainY[50000]);
    // Fashion-MNIST's classes are balanced: exactly 1000 of each in the test split
    const testCounts = new Array(10).fill(0);
    for (const y of ds.split("test").labels!) testCounts[y]++;
    assert.deepEqual(testCounts, new Array(10).fill(1000));
  },
);

test(
  "fashion-mnist-fixed: binary, seeded (two loads agree), mean close to the 8-bit mean",
  { skip: skipFashion },
  () => {
    const a = data.loadDataset("fashion-mnist-fixed", dataDir).split("test");
    const b = data.loadDataset("fashion-mnist-fixed", dataDir).split("test");
    const grey = data.loadDataset("fashion-mnist", dataDir).split("test");
    assert.ok(a.values.every((x) => x === 0 || x === 1));
    assert.deepEqual(a.values, b.values);
    const mean = (v: Float32Array) => v.reduce((s, x) => s + x, 0) / v.length;
    // 7.84M Bernoulli draws: the mean's standard error is below 2e-4; 2e-3 is ten of them
    assert.ok(Math.abs(mean(a.values) - mean(grey.values)) < 2e-3, `${mean(a.values)} vs ${mean(grey.values)}`);
    assert.deepEqual(a.labels, grey.labels);
  },
);

test("Fashion-MNIST: a corrupted copy is refused by its checksum, with what to do", () => {
  const dir = tmp();
  mkdirSync(path.join(dir, "fashion-mnist"));
  const target = path.join(dir, "fashion-mnist", "t10k-labels-idx1-ubyte");
  let bytes: Uint8Array;
  const real = haveFashion ? data.fashionMnistDirs(dataDir).map((d) => path.join(d, "t10k-labels-idx1-ubyte.gz")) : [];
  const src = real.find((f) => {
    try {
      return readFileSync(f).length > 0;
    } catch {
      return false;
    }
  });
  if (src) {
    bytes = Uint8Array.from(gunzipSync(readFileSync(src)));
    bytes[1000] = (bytes[1000]! + 1) % 10; // one label changed: still a valid IDX file
  } else {
    const labels = new Generator(3).integers(10000, 10);
    bytes = Uint8Array.from([0, 0, 8, 1, 0, 0, 0x27, 0x10, ...labels]);
  }
  writeFileSync(target, bytes);
  // every other file is missing from the temporary folder, so only the corrupt one may be found there
  for (const f of ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"])
    writeFileSync(path.join(dir, "fashion-mnist", f), "");
  assert.throws(
    () => data.loadFashionMnistRaw(dir, [path.join(dir, "fashion-mnist")]),
    (e: Error) =>
      e.name === "DataFormatError" &&
      /sha256 of the unpacked bytes is [0-9a-f]{64}, expected [0-9a-f]{64}/.test(e.message) &&
      /apt-get install -y dataset-fashion-mnist/.test(e.message),
  );
});

test("Fashion-MNIST: missing files name the apt-get command and the folder to use", () => {
  const dir = tmp();
  assert.throws(
    () => data.loadFashionMnistRaw(dir, [path.join(dir, "fashion-mnist")]),
    (e: Error) =>
      e.name === "DataFormatError" &&
      /train-images-idx3-ubyte\(\.gz\) not found/.test(e.message) &&
      /apt-get install -y dataset-fashion-mnist/.test(e.message) &&
      e.message.includes("<data dir>/fashion-mnist/"),
  );
});

test("colour MNIST: [3,28,28] on the 8-bit grid, MNIST's labels, digits painted fg over a distant bg hue", () => {
  const s = data.loadDataset("colour-mnist").split("test");
  const grey = data.loadDataset("mnist").split("test");
  assert.deepEqual(s.shape, [3, 28, 28]);
  assert.equal(s.dim, 2352);
  assert.equal(s.n, 10000);
  assert.equal(s.values.length, 10000 * 2352);
  assert.ok(onByteGrid(s.values));
  assert.deepEqual(s.labels, grey.labels);
  const hues = data.colourHues(0, 1, 10000);
  const g = new Generator(11);
  for (const i of g.integers(50, 10000)) {
    const fg = data.foreground(hues.fg[i]!),
      bg = data.background(hues.bg[i]!);
    const d = Math.abs(hues.fg[i]! - hues.bg[i]!);
    assert.ok(Math.min(d, data.COLOUR_HUES - d) >= 3, "hues at least 90° apart");
    // every value is g·fg + (1 − g)·bg rounded to the 8-bit grid: within half a level (0.5/255) of the blend
    for (let p = 0; p < 784; p++) {
      const gv = grey.values[i * 784 + p]!;
      for (let c = 0; c < 3; c++) {
        const want = gv * fg[c]! + (1 - gv) * bg[c]!;
        assert.ok(Math.abs(s.values[(i * 3 + c) * 784 + p]! - want) <= 0.5 / 255 + 1e-6, `image ${i} pixel ${p}`);
      }
    }
  }
});

test("colour MNIST: every allowed hue pair has the digit brighter than its background (luma margin ≥ 0.18)", () => {
  const luma = (rgb: number[]) => 0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!;
  for (let f = 0; f < data.COLOUR_HUES; f++)
    for (let d = 3; d <= 9; d++) {
      const fg = data.foreground(f),
        bg = data.background((f + d) % data.COLOUR_HUES);
      assert.ok(luma(fg) - luma(bg) >= 0.18, `hues ${f}, ${(f + d) % 12}: luma ${luma(fg)} vs ${luma(bg)}`);
    }
});

test("colour MNIST: the same seed paints the same images, another seed other colours", () => {
  const raw = {
    trainX: new Uint8Array(0),
    trainY: new Uint8Array(0),
    testX: new Uint8Array(0),
    testY: new Uint8Array(0),
  };
  const u = new Generator(5).integers(64 * 784, 256);
  raw.testX = Uint8Array.from(u);
  raw.testY = Uint8Array.from(new Generator(6).integers(64, 10));
  const a = data.colourMnist("c", "mem", () => raw, 0).split("test");
  const b = data.colourMnist("c", "mem", () => raw, 0).split("test");
  const c = data.colourMnist("c", "mem", () => raw, 1).split("test");
  assert.deepEqual(a.values, b.values);
  assert.notDeepEqual(a.values, c.values);
  assert.deepEqual(a.labels, Int32Array.from(raw.testY));
  // a random image spans the colour range: values differ across pixels, not one flat colour
  assert.ok(new Set(a.values.subarray(0, 784)).size > 20);
});

test("colour MNIST end to end: a logistic PixelCNN trains a step on [3,28,28] and scores images", async () => {
  const out = tempDir("deepgen-colour-run-");
  await app.fit({
    model: "pixelcnn",
    out,
    maxSteps: 1,
    training: { dataset: "colour-mnist", batchSize: 4 },
    options: { output: "logistic", features: 6, blocks: 1, outputHidden: 6, mixtures: 2 },
  });
  const run = app.openRun(out);
  assert.deepEqual(run.config.shape, [3, 28, 28]);
  assert.equal(run.config.dim, 2352);
  const s = data.loadDataset("colour-mnist").split("test");
  const x = tensor(s.values.subarray(0, 3 * 2352), [3, 2352]);
  const lp = (run.model as unknown as { logLikelihood(x: unknown): { logp: Float64Array } }).logLikelihood(x).logp;
  assert.equal(lp.length, 3);
  // after one step the model is near uniform over 256 levels: −log p within (0, 1.5 · 2352 ln 256)
  for (const v of lp) assert.ok(-v > 0 && -v < 1.5 * 2352 * Math.log(256), `−log p = ${-v}`);
});
