/**
 * The translators' history buffer: the sampling rule against a plain re-statement of it driven by a copy of the same
 * seeded generator, its long-run rate of stored images, and its place in both models' checkpoints.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, type Tensor } from "../../src/index.js";
import { CycleGAN, options as cycleganOptions } from "../../src/models/translation/cyclegan.js";
import { CycleVAE, options as cycleVaeOptions } from "../../src/models/translation/cycle-vae.js";
import { ImageHistory } from "../../src/models/translation/history.js";
import { randomTensor } from "../helpers.js";

const SHAPE = [1, 2, 3] as const;
const D = 6;
const batch = (g: Generator, n: number): Tensor =>
  randomTensor(g, [n, ...SHAPE], { dtype: "float32", low: 0, high: 1, grad: false });
const rows = (t: Tensor): number[][] => {
  const v = t.toArray();
  return Array.from({ length: v.length / D }, (_, i) => v.slice(i * D, (i + 1) * D));
};

test("history buffer: fills first, then returns a stored image (swapping in the new one) with probability ½", () => {
  const data = new Generator(11);
  const pool = new ImageHistory(4, SHAPE);
  const g = new Generator(12),
    twin = new Generator(12);
  // the rule restated on arrays: the oracle draws the same numbers as the buffer (2n per query: coins, then slots)
  const stored: number[][] = [];
  let fromHistory = 0;
  for (let q = 0; q < 6; q++) {
    const fresh = batch(data, 3);
    const got = rows(pool.query(fresh, g));
    const coin = twin.uniform01(3),
      slot = twin.integers(3, 4);
    const want = rows(fresh).map((img, i) => {
      if (stored.length < 4) return (stored.push(img), img);
      if (coin[i]! >= 0.5) return img;
      const old = stored[slot[i]!]!;
      stored[slot[i]!] = img;
      fromHistory++;
      return old;
    });
    assert.deepEqual(got, want, `query ${q}`);
    assert.equal(pool.count, stored.length);
    assert.deepEqual(rows(pool.images).slice(0, stored.length), stored, `stored images after query ${q}`);
  }
  assert.ok(fromHistory > 0, "the seeded run exercised the history branch");
});

test("history buffer: passes fresh images through while filling, and about half from history once full", () => {
  const data = new Generator(13),
    g = new Generator(14);
  const pool = new ImageHistory(50, SHAPE);
  const first = batch(data, 50);
  assert.deepEqual(rows(pool.query(first, g)), rows(first), "an empty buffer returns the batch itself");
  assert.equal(pool.count, 50);
  let fresh = 0,
    total = 0;
  for (let q = 0; q < 40; q++) {
    const x = batch(data, 50);
    const xs = rows(x);
    rows(pool.query(x, g)).forEach((r, i) => {
      if (r.every((v, j) => v === xs[i]![j])) fresh++;
      total++;
    });
  }
  // 2000 fair coins: the fresh share has std 0.011; 0.45–0.55 is ±4.5 std
  assert.ok(Math.abs(fresh / total - 0.5) < 0.05, `fresh share ${fresh / total}`);
  const none = new ImageHistory(0, SHAPE),
    x = batch(data, 5);
  assert.deepEqual(rows(none.query(x, g)), rows(x), "capacity 0: no history");
  const wrong = randomTensor(data, [2, 1, 2, 2], { dtype: "float32", low: 0, high: 1, grad: false });
  assert.throws(() => pool.query(wrong, g), /history buffer: images \[2, ?1, ?2, ?2\] must hold/);
});

test("both translators keep their translation histories in the checkpoint and fill them in the critics' phase", () => {
  const g = new Generator(15);
  const data = { dim: 4 * 784, shape: [4, 28, 28] as [number, number, number] };
  const small = { width: 4, discriminatorWidth: 4, historySize: 8 };
  for (const model of [
    new CycleGAN(cycleganOptions.parse(small), data, g),
    new CycleVAE(cycleVaeOptions.parse({ ...small, latentChannels: 2 }), data, g),
  ]) {
    const names = [...model.stateDict().keys()];
    for (const n of ["history_a.images", "history_a.filled", "history_b.images", "history_b.filled"])
      assert.ok(names.includes(n), `${model.modelName}: ${n} in the state dict`);
    const x = randomTensor(g, [3, 4 * 784], { dtype: "float32", low: 0, high: 1, grad: false });
    const phase = model.trainingPhases()[0]!;
    assert.equal(phase.name, "discriminators");
    phase.loss(x, { generator: g, step: 0, epoch: 0 });
    assert.deepEqual([model.historyA.count, model.historyB.count], [3, 3]);
    // the stored translations into B are those of the batch's grey images
    const stored = model.historyB.images.toArray().slice(0, 3 * 3 * 784);
    const a = x
      .reshape([3, 4, 784])
      .slice(1, 0, 1)
      .expand([3, 3, 784])
      .contiguous()
      .reshape([3, 3 * 784]);
    const fake = model.translate(a, "a-to-b").toArray();
    // same network, same inputs; instance norm has no running statistics, so training and eval mode agree: 1e-6
    assert.ok(
      stored.every((v, i) => Math.abs(v - fake[i]!) < 1e-6),
      `${model.modelName}: history_b holds the translations of a`,
    );
  }
});
