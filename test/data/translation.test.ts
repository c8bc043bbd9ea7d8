/** The translation domains: seeded textures, the MNIST-M blend, the textured split and the unpaired examples. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import { loadDataset } from "../../src/data/datasets.js";
import {
  blend,
  greyToRgb,
  pairing,
  rgbToGrey,
  texture,
  texturedSplit,
  translationSplit,
} from "../../src/data/translation.js";

test("textures are a pure function of (split, index), in [0, 1], and differ between images", () => {
  const t = texture("test", 17);
  assert.deepEqual(texture("test", 17), t, "same split and index, same texture");
  assert.ok(
    t.every((v) => v >= 0 && v <= 1),
    "values in [0, 1]",
  );
  const other = texture("test", 18),
    train = texture("train", 17);
  // different images: on average far apart (a shared texture would give 0)
  const meanDiff = (u: Float32Array): number => u.reduce((s, v, i) => s + Math.abs(v - t[i]!), 0) / t.length;
  assert.ok(meanDiff(other) > 0.02 && meanDiff(train) > 0.02, `${meanDiff(other)} ${meanDiff(train)}`);
  // not flat: every channel varies across the image (the sinusoids have amplitude ≥ 0.1)
  for (let c = 0; c < 3; c++) {
    const ch = t.subarray(c * 784, (c + 1) * 784);
    assert.ok(Math.max(...ch) - Math.min(...ch) > 0.05, `channel ${c} varies`);
  }
});

test("the blend is |T − d| per channel (MNIST-M), on a random digit", () => {
  const g = new Generator(3);
  const digit = Float32Array.from(g.uniform01(784));
  const tex = texture("train", 5);
  const out = new Float32Array(3 * 784);
  blend(digit, tex, out);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < 784; i += 37)
      assert.equal(out[c * 784 + i], Math.fround(Math.abs(tex[c * 784 + i]! - digit[i]!)));
});

test("domain B of MNIST is deterministic, in range, labelled like the digits; examples pair shuffled indices", () => {
  const mnist = loadDataset("mnist").split("test");
  const b = loadDataset("mnist-textured").split("test");
  assert.deepEqual(b.shape, [3, 28, 28]);
  assert.equal(b.n, 10000);
  assert.deepEqual(b.labels, mnist.labels);
  assert.ok(
    b.values.every((v) => v >= 0 && v <= 1),
    "values in [0, 1]",
  );
  // a fresh derivation equals the loaded one, value for value
  const again = texturedSplit({ ...mnist, n: 50, values: mnist.values.subarray(0, 50 * 784) });
  assert.deepEqual(again.values, b.values.subarray(0, 50 * 3 * 784));
  const pairs = translationSplit({ ...mnist, n: 200, values: mnist.values.subarray(0, 200 * 784) });
  assert.deepEqual(pairs.shape, [4, 28, 28]);
  const perm = pairing("test", 200);
  assert.deepEqual(
    [...perm].sort((x, y) => x - y),
    Array.from({ length: 200 }, (_, i) => i),
    "a permutation",
  );
  let sameLabel = 0;
  for (let i = 0; i < 200; i++) {
    const ex = pairs.values.subarray(i * 3136, (i + 1) * 3136);
    assert.deepEqual(ex.subarray(0, 784), mnist.values.subarray(i * 784, (i + 1) * 784), `A of example ${i}`);
    const j = perm[i]!;
    assert.deepEqual(ex.subarray(784), b.values.subarray(j * 2352, (j + 1) * 2352), `B of example ${i}`);
    if (mnist.labels![i] === mnist.labels![j]) sameLabel++;
  }
  // unpaired: the B digit has A's label about 1 time in 10 (binomial, 200 draws: 20 ± 4.2; < 50 fails at 7σ)
  assert.ok(sameLabel < 50, `${sameLabel} of 200 pairs share a label`);
});

test("grey ↔ colour conversions: three equal channels, and their mean back", () => {
  const g = new Generator(4);
  const grey = Float32Array.from(g.uniform01(2 * 784));
  const rgb = greyToRgb(grey, 2);
  for (let c = 0; c < 3; c++) assert.deepEqual(rgb.subarray((3 + c) * 784, (4 + c) * 784), grey.subarray(784));
  const back = rgbToGrey(rgb, 2);
  // (v + v + v) / 3 in float32: within one rounding of v (tolerance 1e-6)
  for (let i = 0; i < grey.length; i++) assert.ok(Math.abs(back[i]! - grey[i]!) < 1e-6);
});
