/** The Box–Muller stream of the IWAE estimator: native kernel against the reference loop, and its statistics. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { nativeAvailable } from "../../src/index.js";
import { boxMullerNormals, normalBlocks } from "../../src/models/latent/box-muller.js";
import { nativeIwae } from "../../src/models/latent/iwae-native.js";
import { assertClose } from "../helpers.js";

const skipNative = nativeAvailable() ? false : "the native addon is not built";

function nativeNormals(k0: number, k1: number, counter: number, offset: number, n: number): Float32Array {
  const out = new Float32Array(n);
  nativeIwae().normalFill(k0, k1, counter, offset, n, out);
  return out;
}

test("native normals = the reference loop (ranges at any offset, counters crossing 2^32)", { skip: skipNative }, () => {
  for (const [counter, offset, n] of [
    [0, 0, 4096],
    [2 ** 32 - 24, 37, 1000], // the low counter word wraps inside a group: the carry reaches the high word
    [123456789, 1_000_003, 777],
  ] as const) {
    const ref = boxMullerNormals(0x9e3779b9, 12345, counter, offset, n);
    // float32 logarithm, square root and sin/cos polynomials against float64 Math: measured ≤ 5e-7·(1 + |z|)
    assertClose(nativeNormals(0x9e3779b9, 12345, counter, offset, n), ref, { atol: 3e-6, rtol: 3e-6 }, `${counter}`);
  }
});

test("any split of a range of the stream draws the same numbers", { skip: skipNative }, () => {
  const whole = nativeNormals(7, 8, 1000, 5, 3000);
  const parts = new Float32Array(3000);
  for (const [a, b] of [
    [0, 1],
    [1, 63],
    [63, 64],
    [64, 1999],
    [1999, 3000],
  ] as const)
    parts.set(nativeNormals(7, 8, 1000, 5 + a, b - a), a);
  assert.deepEqual(parts, whole);
  assert.equal(normalBlocks(64), 16);
  assert.equal(normalBlocks(65), 32);
});

test("the stream is standard normal: mean, variance, kurtosis, tails, pair correlation", { skip: skipNative }, () => {
  const n = 1 << 21,
    z = nativeNormals(2024, 11, 5, 0, n);
  let s1 = 0,
    s2 = 0,
    s4 = 0,
    t2 = 0,
    t3 = 0,
    pair = 0,
    max = 0;
  for (let i = 0; i < n; i++) {
    const v = z[i]!;
    s1 += v;
    s2 += v * v;
    s4 += v ** 4;
    if (Math.abs(v) > 2) t2++;
    if (Math.abs(v) > 3) t3++;
    max = Math.max(max, Math.abs(v));
  }
  // the two normals of one Box–Muller pair sit 16 apart in the layout (q = 0 and 1 of a group)
  for (let g = 0; g < n; g += 64) for (let j = 0; j < 16; j++) pair += z[g + j]! * z[g + 16 + j]!;
  const nPairs = n / 4;
  // every tolerance is 5 standard errors of the statistic under N(0, 1) with n = 2^21 draws
  const within = (v: number, mean: number, sd: number, what: string) =>
    assert.ok(Math.abs(v - mean) < 5 * sd, `${what}: ${v} vs ${mean} ± ${5 * sd}`);
  within(s1 / n, 0, Math.sqrt(1 / n), "mean");
  within(s2 / n, 1, Math.sqrt(2 / n), "variance");
  within(s4 / n, 3, Math.sqrt(96 / n), "E z⁴");
  within(t2 / n, 0.0455003, Math.sqrt((0.0455 * 0.9545) / n), "P(|z| > 2)");
  within(t3 / n, 0.0026998, Math.sqrt((0.0027 * 0.9973) / n), "P(|z| > 3)");
  within(pair / nPairs, 0, Math.sqrt(1 / nPairs), "E[z z'] within a pair");
  assert.ok(max < 6.67 && max > 4.5, `largest |z| ${max}: the radius is bounded by 6.66, and 2^21 draws pass 4.5`);
});
