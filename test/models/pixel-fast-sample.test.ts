/**
 * Cached sampling of the pixel models: the per-pixel network over row caches gives the full network's output
 * parameters, and draws exactly the samples (and completions) of the full-image loop for the same seed; the
 * helpers that write into the samplers' buffers write what the allocating ops return (bit for bit).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, getNumThreads, linear, nativeAvailable, setNumThreads, Tensor, tensor } from "../../src/index.js";
import { withThreads } from "../../src/backend/registry.js";
import { linearInto, packInto } from "../../src/models/pixel/fast-sample.js";
import { randomTensor } from "../helpers.js";
import { makePixel, type Shape3 } from "./pixel-helpers.js";

type Case = [string, Record<string, unknown>, Shape3];

const binary: Case[] = [
  ["pixelcnn", { features: 8, blocks: 2, outputHidden: 8 }, [1, 6, 5]],
  ["gated-pixelcnn", { features: 4, layers: 3, outputHidden: 8 }, [1, 6, 5]],
  ["row-lstm", { hidden: 4, layers: 2, outputHidden: 8 }, [1, 6, 5]],
  ["diagonal-bilstm", { hidden: 4, layers: 2, outputHidden: 8 }, [1, 6, 5]],
];
// 8-bit colour values (R→G→B within a pixel): 256-way softmax, and a logistic mixture for Gated PixelCNN
const eightBit: Case[] = [
  ["pixelcnn", { features: 6, blocks: 2, outputHidden: 6, block: "plain", output: "softmax" }, [3, 4, 3]],
  ["gated-pixelcnn", { features: 6, layers: 3, outputHidden: 6, classes: 3, output: "logistic" }, [3, 4, 3]],
  ["row-lstm", { hidden: 3, layers: 2, outputHidden: 6, output: "softmax" }, [3, 4, 3]],
  ["diagonal-bilstm", { hidden: 3, layers: 2, outputHidden: 6, output: "softmax" }, [3, 4, 3]],
];
// kernels other than the defaults (wider row caches and padding) and the logistic output on the recurrent models
const otherSizes: Case[] = [
  ["row-lstm", { hidden: 3, layers: 1, kernel: 5, firstKernel: 5, outputHidden: 6, output: "logistic" }, [3, 4, 6]],
  ["diagonal-bilstm", { hidden: 3, layers: 1, firstKernel: 3, outputHidden: 6, output: "logistic" }, [3, 4, 6]],
  ["pixelcnn", { features: 6, blocks: 2, kernel: 5, firstKernel: 3, outputHidden: 6 }, [1, 7, 6]],
];

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

for (const [name, opts, shape] of [...binary, ...eightBit, ...otherSizes]) {
  const kind = shape[0] === 1 ? "binary" : "8-bit rgb";
  const D = shape[0] * shape[1] * shape[2];

  test(`${name} (${kind}): cached per-pixel parameters equal the full network's within 1e-4`, () => {
    const m = makePixel(name, opts, shape);
    const L = m.output.levels,
      n = 5,
      g = new Generator(3);
    const x = tensor(
      Float32Array.from(g.uniform01(n * D), (u) => Math.floor(u * L) / (L - 1)),
      [n, D],
    );
    const labels = Int32Array.from([0, 1, 2, 1, 0]);
    const cached = m.cachedOutputParams(x, labels);
    assert.ok(cached, `${name} has a cached network`);
    // float32 sums in another order: differences of a few ulps, far below the bound
    const err = maxAbsDiff(m.outputParams(x, labels).toArray(), cached.toArray());
    assert.ok(err < 1e-4, `max |Δ| = ${err}`);
  });

  test(`${name} (${kind}): cached sampling and completion draw the full-image loop's values for the same seed`, () => {
    const m = makePixel(name, opts, shape);
    const n = 12,
      labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const naive = m.sample(n, new Generator(7), { naive: true, labels }).toArray();
    const cached = m.sample(n, new Generator(7), { labels }).toArray();
    assert.deepEqual(cached, naive);
    assert.ok(new Set(cached).size > 1, "samples are not constant");
    // completion: every other value observed (so some pixels have only some channels given)
    const observed = Uint8Array.from({ length: D }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const g = new Generator(11),
      x = tensor(
        Float32Array.from(g.uniform01(n * D), (u) => Math.round(u)),
        [n, D],
      );
    const a = m.complete(x, observed, new Generator(5), { naive: true, labels }).toArray();
    const b = m.complete(x, observed, new Generator(5), { labels }).toArray();
    assert.deepEqual(b, a);
    for (let i = 0; i < n * D; i++) if (observed[i % D]) assert.equal(b[i], x.toArray()[i]);
  });
}

test("gated-pixelcnn: cached sampling follows the class labels", () => {
  const opts = { features: 4, layers: 2, outputHidden: 8, classes: 2 };
  const m = makePixel("gated-pixelcnn", opts, [1, 4, 4]);
  const zeros = m.sample(8, new Generator(1), { labels: new Int32Array(8) }).toArray();
  const ones = m.sample(8, new Generator(1), { labels: new Int32Array(8).fill(1) }).toArray();
  assert.notDeepEqual(zeros, ones, "the same draws under another class give other samples");
  assert.deepEqual(ones, m.sample(8, new Generator(1), { labels: new Int32Array(8).fill(1), naive: true }).toArray());
});

test("linearInto and packInto write what linear and a view's contiguous() return, and refuse misfits", () => {
  const g = new Generator(13);
  const x = randomTensor(g, [7, 5], { dtype: "float32", grad: false }),
    w = randomTensor(g, [4, 5], { dtype: "float32", grad: false }),
    b = randomTensor(g, [4], { dtype: "float32", grad: false });
  const out = new Float32Array(7 * 4).fill(Number.NaN);
  linearInto(x.data as Float32Array, 7, w, b, out);
  assert.deepEqual(Array.from(out), linear(x, w, b).toArray());
  linearInto(x.data as Float32Array, 7, w, null, out);
  assert.deepEqual(Array.from(out), linear(x, w).toArray());
  assert.throws(() => linearInto(x.data as Float32Array, 6, w, b, out), /do not fit \[6, 5\] to \[6, 4\]/);
  // a RowCache-like layout [positions, n, F] read as [n, taps, F] from position 1
  const src = Float32Array.from(g.uniform01(4 * 3 * 2)),
    shape = [3, 2, 2],
    strides = [2, 6, 1];
  const view = new Tensor(src.subarray(6), shape, strides),
    packed = new Float32Array(12);
  packInto(src, 6, shape, strides, packed);
  assert.deepEqual(Array.from(packed), view.contiguous().toArray());
  assert.throws(() => packInto(src, 13, shape, strides, packed), /view \[3,2,2\]/);
});

test("gated-pixelcnn: cached samples with two kernel threads equal one thread's; the thread count is restored", () => {
  const m = makePixel("gated-pixelcnn", { features: 4, layers: 3, outputHidden: 8 }, [1, 6, 5]);
  const before = getNumThreads();
  try {
    setNumThreads(1);
    const one = m.sample(6, new Generator(2)).toArray();
    setNumThreads(2);
    assert.deepEqual(m.sample(6, new Generator(2)).toArray(), one);
    assert.equal(getNumThreads(), nativeAvailable() ? 2 : 1, "the sampler leaves the thread count as it was");
    assert.throws(() =>
      withThreads(1, () => {
        throw new Error("inside");
      }),
    );
    assert.equal(getNumThreads(), nativeAvailable() ? 2 : 1, "restored after a throw");
  } finally {
    setNumThreads(before);
  }
});
