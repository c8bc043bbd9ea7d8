/** The MNIST classifier: recipe hashing, the checkpoint cache, seeded training, and sampleQuality end to end. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Generator, tensor, noGrad } from "../../src/index.js";
import {
  Classifier,
  DEFAULT_RECIPE,
  ensureClassifier,
  loadClassifier,
  MnistClassifier,
  recipeHash,
  resolveCacheDir,
  saveClassifier,
  shiftImages,
  trainClassifier,
  type ClassifierRecipe,
} from "../../src/eval/classifier/index.js";
import { mnistReference, qualityFloor, sampleQuality } from "../../src/eval/sample-quality.js";
import { CheckpointError } from "../../src/train/safetensors.js";
import { assertClose } from "../helpers.js";
import { tempDir } from "../tmp.js";

const tiny: ClassifierRecipe = {
  ...DEFAULT_RECIPE,
  arch: { channels: [4, 8], features: 16, dropout: 0.1 },
  epochs: 1,
  batchSize: 32,
  nTrain: 3000,
  lr: 5e-3,
};
const tmp = () => tempDir("deepgen-classifier-");

test("recipeHash is stable under key order and changes with any recipe field", () => {
  const h = recipeHash(tiny);
  const reordered = Object.fromEntries(Object.entries(tiny).reverse()) as unknown as ClassifierRecipe;
  assert.equal(recipeHash(reordered), h);
  assert.notEqual(recipeHash({ ...tiny, seed: 1 }), h);
  assert.notEqual(recipeHash({ ...tiny, arch: { ...tiny.arch, features: 9 } }), h);
  assert.match(h, /^[0-9a-f]{16}$/);
});

test("resolveCacheDir: the argument, else $DEEPGEN_CACHE/classifier", () => {
  assert.equal(resolveCacheDir("/x/y"), "/x/y");
  const old = process.env.DEEPGEN_CACHE;
  process.env.DEEPGEN_CACHE = "/some/cache";
  try {
    assert.equal(resolveCacheDir(), "/some/cache/classifier");
  } finally {
    if (old === undefined) delete process.env.DEEPGEN_CACHE;
    else process.env.DEEPGEN_CACHE = old;
  }
});

test("shiftImages moves each image by a whole-pixel offset with zero fill", () => {
  const g = new Generator(21);
  const x = new Float32Array(3 * 784);
  x.set(
    g.uniform01(784).map((v) => v + 0.1),
    0,
  ); // full image: a shift drops border rows/columns
  x[784 + 14 * 28 + 14] = 1; // a single centre pixel in image 1
  x[2 * 784 + 5 * 28 + 9] = 0.5;
  const y = shiftImages(x, 2, new Generator(22)).data;
  const offsets = new Generator(22).integers(6, 5);
  for (let i = 0; i < 3; i++) {
    const dy = offsets[2 * i]! - 2,
      dx = offsets[2 * i + 1]! - 2;
    for (let r = 0; r < 28; r++)
      for (let c = 0; c < 28; c++) {
        const sr = r - dy,
          sc = c - dx;
        const want = sr >= 0 && sr < 28 && sc >= 0 && sc < 28 ? x[i * 784 + sr * 28 + sc]! : 0;
        assert.equal(y[i * 784 + r * 28 + c], want, `image ${i} pixel (${r}, ${c}) shift (${dy}, ${dx})`);
      }
  }
});

test("features and probs: batched outputs equal the network's, probabilities sum to 1", () => {
  const net = new MnistClassifier(tiny.arch, new Generator(23));
  const c = new Classifier(net, tiny, { testAccuracy: 0, testImages: 0, trainSeconds: 0, threads: 1 });
  const x = tensor(new Generator(24).uniform01(700 * 784), [700, 784], { dtype: "float32" }); // > one 500-row batch
  const f = c.features(x),
    p = c.probs(x);
  assert.deepEqual(f.shape, [700, 16]);
  assert.deepEqual(p.shape, [700, 10]);
  const direct = noGrad(() => net.hidden(x));
  assertClose(f.data, direct.data, { atol: 1e-6, rtol: 1e-5 }, "features"); // same float32 ops, other batching
  const pd = Array.from(p.data);
  const sums = Array.from({ length: 700 }, (_, i) => pd.slice(i * 10, i * 10 + 10).reduce((a, b) => a + b));
  assertClose(sums, new Array(700).fill(1), { atol: 1e-5, rtol: 0 }, "row sums"); // float32 softmax
});

test("trainClassifier is seeded, learns, and loadClassifier reuses its checkpoint only for the same recipe", () => {
  const dir = tmp();
  try {
    const epochs: number[] = [];
    const a = trainClassifier({ cacheDir: dir, recipe: tiny, evalImages: 1000 }, (p) => {
      if (p.kind === "epoch") epochs.push(p.validAccuracy!);
    });
    assert.equal(epochs.length, 1);
    // 3000 images, one epoch of a tiny CNN: far above chance (0.1) but far from converged
    assert.ok(a.classifier.provenance.testAccuracy > 0.5, `test accuracy ${a.classifier.provenance.testAccuracy}`);
    const b = trainClassifier({ cacheDir: tmp(), recipe: tiny, evalImages: 1000 });
    for (const [k, t] of a.classifier.net.stateDict())
      assert.deepEqual(b.classifier.net.stateDict().get(k)!.data, t.data, `${k}: same seed, same weights`);
    const loaded = loadClassifier(dir, tiny);
    assert.equal(loaded.provenance.testAccuracy, a.classifier.provenance.testAccuracy);
    const again = ensureClassifier({ cacheDir: dir, recipe: tiny }, () => assert.fail("trained although cached"));
    assert.equal(again.provenance.trainSeconds, a.classifier.provenance.trainSeconds);
    const x = tensor(new Generator(25).uniform01(20 * 784), [20, 784], { dtype: "float32" });
    assert.deepEqual(loaded.features(x).data, a.classifier.features(x).data);
    assert.throws(() => loadClassifier(dir, { ...tiny, seed: 5 }), /no trained MNIST classifier/);
    // a file under the right name but from another recipe is refused
    const other = { ...tiny, seed: 5 };
    saveClassifier(dir, new Classifier(new MnistClassifier(tiny.arch), other, a.classifier.provenance));
    writeFileSync(a.file, readFileSync(path.join(dir, `mnist-cnn-${recipeHash(other)}.safetensors`)));
    assert.throws(
      () => loadClassifier(dir, tiny),
      (e) => e instanceof CheckpointError && /recipe/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sampleQuality: the reference against itself scores FID 0, precision = recall = 1; the floor is worse", () => {
  const net = new MnistClassifier(tiny.arch, new Generator(26));
  const c = new Classifier(net, tiny, { testAccuracy: 0.5, testImages: 0, trainSeconds: 0, threads: 1 });
  const ref = mnistReference({ n: 300, nValid: 100 });
  const self = sampleQuality(ref.images, ref, c, { k: 3, parzen: { sigmas: [0.2, 0.5] } });
  assert.ok(self.fid < 1e-9, `FID ${self.fid}`); // tolerance: float64 round-off
  assert.deepEqual([self.precision, self.recall, self.label_tv_to_reference], [1, 1, 0]);
  assert.equal(self.label_accuracy, null, "no labels given: no label accuracy");
  // drawn "as" the classes the classifier reads: accuracy 1; every label shifted by one class: accuracy 0
  const probs = c.probs(ref.images).toArray();
  const read = Int32Array.from({ length: 300 }, (_, i) => {
    const row = probs.slice(i * 10, i * 10 + 10);
    return row.indexOf(Math.max(...row));
  });
  const opts = { k: 3, parzen: false };
  assert.equal(sampleQuality(ref.images, ref, c, { ...opts, labels: read }).label_accuracy, 1);
  const shifted = read.map((y) => (y + 1) % 10);
  assert.equal(sampleQuality(ref.images, ref, c, { ...opts, labels: shifted }).label_accuracy, 0);
  assert.throws(() => sampleQuality(ref.images, ref, c, { ...opts, labels: new Int32Array(5) }), /5 labels/);
  assert.equal(self.reference.binarized, false);
  assert.equal(self.samples_binary, false);
  const floor = qualityFloor(ref, c, 300, { parzen: { sigmas: [0.2, 0.5] } });
  assert.ok(floor.fid > self.fid && floor.fid < 50, `floor FID ${floor.fid}`);
  assert.ok(
    floor.parzen!.log_likelihood_nats < self.parzen!.log_likelihood_nats,
    "Parzen on the test points themselves is higher",
  );
  const bin = mnistReference({ binarized: true, n: 300, nValid: 100 });
  const binFloor = qualityFloor(bin, c, 300, { parzen: false });
  assert.equal(binFloor.samples_binary, true);
  assert.equal(binFloor.parzen, null);
  assert.match(binFloor.reference.description, /binarized/);
});
