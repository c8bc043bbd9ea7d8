/** What the queue plans without Redis: sweep grids into run specs, evaluation shards, combining shard results. */
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import {
  combineShards,
  expandSweep,
  gridPoints,
  parseGrid,
  planShards,
  type ShardResult,
} from "../../src/app/index.js";
import { parseRedisUrl } from "../../src/queue/index.js";
import { Generator } from "../../src/tensor/rng.js";

test("a grid expands to every combination, routed to options, training and seed, validated at the door", () => {
  const grid = parseGrid('{"lr": [0.01, 0.001], "hidden": [[8], [16, 16]], "seed": [1, 2]}');
  assert.equal(gridPoints(grid).length, 8);
  const runs = expandSweep({ model: "made", training: { dataset: "mnist-fixed", epochs: 1 } }, grid, "/tmp/sw");
  assert.equal(runs.length, 8);
  const last = runs.at(-1)!;
  assert.deepEqual(last.point, { lr: 0.001, hidden: [16, 16], seed: 2 });
  assert.equal(last.spec.seed, 2);
  assert.deepEqual(last.spec.options, { hidden: [16, 16] });
  assert.deepEqual(last.spec.training, { dataset: "mnist-fixed", epochs: 1, lr: 0.001 });
  assert.equal(last.spec.out, path.resolve("/tmp/sw/made-lr=0.001-hidden=16x16-seed=2"));
  assert.equal(new Set(runs.map((r) => r.spec.out)).size, 8, "one directory per run");
  // one bad value anywhere refuses the whole sweep, naming the option
  assert.throws(() => expandSweep({ model: "made" }, parseGrid('{"hidden": [[8], [0]]}'), "/tmp/sw"), /hidden/);
  assert.throws(() => parseGrid('{"lr": 0.01}'), /"lr" must be a non-empty list/);
  assert.throws(() => parseGrid("[1]"), /expected a JSON object/);
});

test("shards cover the split once, in batch-aligned ranges, and combine to the same mean", () => {
  const g = new Generator(7);
  for (const [n, shards, batch] of [
    [10000, 4, 500],
    [10000, 3, 500],
    [1234, 5, 100],
    [99, 8, 50],
  ] as const) {
    const ranges = planShards(n, shards, batch);
    assert.ok(ranges.length <= shards);
    assert.equal(ranges[0]!.start, 0);
    assert.equal(ranges.at(-1)!.end, n);
    ranges.forEach((r, i) => {
      assert.equal(r.start % batch, 0, "starts on a batch boundary");
      if (i > 0) assert.equal(r.start, ranges[i - 1]!.end, "no gap, no overlap");
    });
    // random per-image values; the combined mean equals the plain mean (tolerance 1e-9: summation order only)
    const per = Array.from(g.uniform01(n), (u) => 80 + 40 * u);
    const parts: ShardResult[] = ranges.map((r) => ({
      ...r,
      model: "m",
      dataset: "d",
      split: "test",
      binarization: "fixed",
      estimator: "iwae-8",
      dim: 784,
      sum_nll_nats: per.slice(r.start, r.end).reduce((a, b) => a + b, 0),
      n: r.end - r.start,
    }));
    const c = combineShards(parts.reverse());
    assert.ok(Math.abs(c.nll_nats - per.reduce((a, b) => a + b, 0) / n) < 1e-9);
    assert.equal(c.n, n);
    assert.throws(() => combineShards(parts.slice(0, -1)), /leave images 0:/, "the first range missing");
    assert.throws(() => combineShards([...parts, parts[0]!]), /count them twice/, "a range twice");
  }
});

test("queue addresses are parsed or refused plainly", () => {
  assert.deepEqual(parseRedisUrl("redis://10.0.0.5:6380/2"), { host: "10.0.0.5", port: 6380, db: 2 });
  assert.deepEqual(parseRedisUrl("redis://:s3cret@localhost"), { host: "localhost", port: 6379, password: "s3cret" });
  assert.throws(() => parseRedisUrl("localhost:6379"), /must start with redis:\/\/|must be a URL/);
  assert.throws(() => parseRedisUrl("http://localhost:6379"), /must start with redis:\/\//);
});
