/** The sample-count cap: oversized requests fail with the size asked and the most allowed. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkSampleCount, MAX_SAMPLE_BYTES } from "../../src/data/limits.js";
import { Generator } from "../../src/index.js";

test("checkSampleCount: 10^8 MNIST samples are refused with the size and the most per call", () => {
  assert.throws(
    () => checkSampleCount(100_000_000, 784),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === `sample: n = 100000000 is too many (313.6 GB); at most ${Math.floor(2 ** 30 / 3136)} per call`,
  );
  const g = new Generator(4);
  for (const dim of [1, ...g.integers(5, 5000)].map((d) => d + 1)) {
    const most = Math.floor(MAX_SAMPLE_BYTES / (4 * dim));
    assert.equal(checkSampleCount(most, dim), most, `dim ${dim}: the most allowed passes`);
    assert.throws(() => checkSampleCount(most + 1, dim), /is too many/, `dim ${dim}: one more fails`);
    // the bound is about memory: what passes must be a length a Float32Array can have
    assert.ok(most * dim * 4 <= MAX_SAMPLE_BYTES);
  }
  for (const n of [0, -3, 2.5, NaN]) assert.throws(() => checkSampleCount(n, 784), /n must be a positive integer/);
  assert.throws(() => checkSampleCount(10, 0), /dim must be a positive integer/);
});
