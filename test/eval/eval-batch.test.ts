/**
 * Scoring a whole split: without a batch size, evaluateNll takes the model's own (pixel models keep their widest
 * activation near 16 MB), and the NLL does not depend on the batch.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import { evaluateNll } from "../../src/eval/likelihood.js";
import type { Split } from "../../src/data/split.js";
import { makePixel } from "../models/pixel-helpers.js";

test("pixel models score splits in batches sized to their widest layer; the NLL is the same at batch 500", () => {
  const n = 300,
    shape: [number, number, number] = [1, 28, 28];
  const g = new Generator(5);
  const values = Float32Array.from(g.uniform01(n * 784), (u) => (u < 0.3 ? 1 : 0));
  const split: Split = { name: "valid", n, dim: 784, shape, values, labels: null };
  for (const features of [32, 64]) {
    const m = makePixel("pixelcnn", { features, blocks: 1, outputHidden: 16 }, shape, 2, 1);
    const widest = Math.max(...m.parameters().map((p) => (p.ndim >= 2 ? p.shape[0]! : 1)));
    assert.equal(widest, features, "the widest weight has `features` output channels");
    // 2^24 bytes / (4 bytes × features × 784 pixels): 167 images at 32 features, 83 at 64
    const want = Math.floor(2 ** 24 / (4 * features * 784));
    assert.equal(m.evalBatchSize, want);
    const seen: number[] = [];
    const own = evaluateNll(m, split, { onBatch: (done) => seen.push(done) });
    assert.deepEqual(seen, [...Array.from({ length: Math.floor(n / want) }, (_, i) => (i + 1) * want), n]);
    const big = evaluateNll(m, split, { batchSize: 500 });
    // tolerance: float32 sums in a different blocking, relative 1e-6 of ~500 nats
    assert.ok(Math.abs(own.nll_nats - big.nll_nats) < 1e-6 * big.nll_nats, `${own.nll_nats} vs ${big.nll_nats}`);
  }
});
