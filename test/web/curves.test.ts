/** The studio chart's unit rule: which epoch train losses may be shown in bits per dimension. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { StepColumns, trainBits, trainLossPerBit } from "../../web/src/lib/curves.js";

test("epoch train loss in bits/dim only where the stream says the loss is −log p", () => {
  const dim = 2 + Math.floor(Math.random() * 1000);
  // exact: the factor is 1 / (dim ln 2) within float rounding
  const nll = new StepColumns();
  nll.append(
    [1, 2, 3].map((step) => ({ step, loss: 100 * Math.random(), bits_per_dim: Math.random(), seconds: step })),
  );
  assert.ok(Math.abs(trainLossPerBit(dim, nll)! * dim * Math.LN2 - 1) < 1e-12);
  // a two-phase model's stream: points without bits/dim → no conversion
  const other = new StepColumns();
  other.append([1, 2].map((step) => ({ step, loss: Math.random(), seconds: step })));
  assert.equal(trainLossPerBit(dim, other), null);
  // no stream (a run trained outside the studio): the density model's loss is taken as nats of −log p
  assert.ok(trainLossPerBit(dim, new StepColumns()) !== null);
});

test("an epoch record's own bits/dim figure wins over the conversion; old records are converted", () => {
  const loss = 50 + 100 * Math.random(),
    perBit = Math.random(),
    own = Math.random();
  assert.equal(trainBits({ epoch: 0, train_loss: loss, train_bits_per_dim: own }, perBit), own);
  // null: the run said its loss is not −log p, whatever the stream rule gives
  assert.equal(trainBits({ epoch: 0, train_loss: loss, train_bits_per_dim: null }, perBit), null);
  // a record from before the field: converted by the factor (exact: one multiplication), or not at all
  assert.equal(trainBits({ epoch: 0, train_loss: loss }, perBit), loss * perBit);
  assert.equal(trainBits({ epoch: 0, train_loss: loss }, null), null);
});
