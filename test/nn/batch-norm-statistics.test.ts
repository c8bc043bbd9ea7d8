/**
 * recomputeBatchNormStatistics: every BatchNorm's running estimates become the plain average, over the passes, of
 * the batch mean and unbiased variance of that layer's input — whatever the estimates were before — and the
 * module's mode comes back as it was.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, noGrad, type Tensor } from "../../src/index.js";
import { recomputeBatchNormStatistics } from "../../src/nn/batch-norm-statistics.js";
import { BatchNorm1d, BatchNorm2d } from "../../src/nn/layers.js";
import { Linear } from "../../src/nn/linear.js";
import { Module } from "../../src/nn/module.js";
import { randomTensor } from "../helpers.js";

/** x → BatchNorm1d(6) → Linear(6 → 2·3·3) → BatchNorm2d(2): two layers, the second fed by the first. */
class Net extends Module {
  readonly bn1 = this.registerModule("bn1", new BatchNorm1d(6, { momentum: 0.3 }));
  readonly fc = this.registerModule("fc", new Linear(6, 18, { generator: new Generator(4) }));
  readonly bn2 = this.registerModule("bn2", new BatchNorm2d(2));
  /** the input of bn2 of the last forward */
  bn2Input: Tensor | null = null;

  forward(x: Tensor): Tensor {
    const h = this.bn1.forward(x);
    this.bn2Input = this.fc.forward(h).reshape([x.shape[0]!, 2, 3, 3]);
    return this.bn2.forward(this.bn2Input);
  }
}

/** Per-channel mean and unbiased variance of x [N, C] or [N, C, H, W], in float64. */
function channelStats(x: Tensor): { mean: number[]; variance: number[] } {
  const [n, c] = x.shape as [number, number];
  const s = x.size / (n * c),
    d = x.contiguous().data;
  const mean: number[] = [],
    variance: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const vals: number[] = [];
    for (let i = 0; i < n; i++) for (let k = 0; k < s; k++) vals.push(d[(i * c + ch) * s + k]!);
    const m = vals.reduce((a, v) => a + v, 0) / vals.length;
    mean.push(m);
    variance.push(vals.reduce((a, v) => a + (v - m) ** 2, 0) / (vals.length - 1));
  }
  return { mean, variance };
}

test("recomputed estimates are the passes' average batch mean and unbiased variance, for every BatchNorm", () => {
  const net = new Net();
  const g = new Generator(11);
  // earlier estimates far from the truth, which must leave no trace
  net.bn1.runningMean.data.fill(50);
  net.bn1.runningVar.data.fill(0.01);
  net.bn2.runningMean.data.fill(-7);
  net.bn2.runningVar.data.fill(30);
  // batches of different sizes and offsets, so that a plain mean of the batches' statistics is what is asked for
  const batches = [5, 9, 4].map((n, i) =>
    randomTensor(g, [n, 6], { low: i - 1, high: 2 * i + 1, grad: false, dtype: "float32" }),
  );
  const want1 = batches.map(channelStats);
  const want2: Array<{ mean: number[]; variance: number[] }> = [];
  net.eval();
  recomputeBatchNormStatistics(net, batches.length, (pass) =>
    noGrad(() => {
      net.forward(batches[pass]!);
      want2.push(channelStats(net.bn2Input!));
    }),
  );
  assert.equal(net.training, false, "the module's eval mode is restored");
  const avg = (rows: number[][], c: number) => rows.reduce((a, r) => a + r[c]!, 0) / rows.length;
  const check = (bn: BatchNorm1d | BatchNorm2d, want: Array<{ mean: number[]; variance: number[] }>, tag: string) => {
    for (let c = 0; c < bn.numFeatures; c++) {
      const m = avg(
          want.map((w) => w.mean),
          c,
        ),
        v = avg(
          want.map((w) => w.variance),
          c,
        );
      // float32 statistics, divided by the momentum: 1e-4 relative
      assert.ok(Math.abs(bn.runningMean.data[c]! - m) <= 1e-4 * (1 + Math.abs(m)), `${tag} mean[${c}]`);
      assert.ok(Math.abs(bn.runningVar.data[c]! - v) <= 1e-4 * (1 + v), `${tag} var[${c}]`);
    }
  };
  check(net.bn1, want1, "bn1");
  check(net.bn2, want2, "bn2");
  net.train();
  recomputeBatchNormStatistics(net, 1, () => noGrad(() => net.forward(batches[0]!)));
  assert.equal(net.training, true, "the module's training mode is restored");
});

test("passes must be a positive integer; a module without BatchNorm is left alone", () => {
  const net = new Net();
  assert.throws(() => recomputeBatchNormStatistics(net, 0, () => {}), /positive integer/);
  let calls = 0;
  recomputeBatchNormStatistics(new Linear(3, 2), 4, () => calls++);
  assert.equal(calls, 0);
});
