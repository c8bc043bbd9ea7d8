/**
 * PixelRNN (Row LSTM, Diagonal BiLSTM): skewing round-trips, the dependency test, the receptive fields the paper
 * describes (a triangle above for the Row LSTM, the whole upper context for the Diagonal BiLSTM), Σ_x p(x) = 1 and
 * sampling frequencies.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import { skew, unskew } from "../../src/models/pixel/rnn-layers.js";
import { assertCausal, gradientSupport, makePixel, samplingTV, totalProbability } from "./pixel-helpers.js";
import { randomTensor } from "../helpers.js";

const small = { hidden: 3, layers: 2, outputHidden: 6 };

test("skew moves row r right by r and unskew inverts it", () => {
  const x = randomTensor(new Generator(1), [2, 3, 4, 5], { dtype: "float32", grad: false });
  const s = skew(x);
  assert.deepEqual(s.shape, [2, 3, 4, 8]);
  const xv = x.toArray(),
    sv = s.toArray();
  for (let r = 0; r < 4; r++)
    for (let j = 0; j < 5; j++) assert.equal(sv[((1 * 3 + 2) * 4 + r) * 8 + j + r], xv[((1 * 3 + 2) * 4 + r) * 5 + j]);
  assert.equal(sv[((1 * 3 + 2) * 4 + 3) * 8 + 0], 0, "left of a shifted row is zero");
  assert.deepEqual(unskew(s, 5).toArray(), xv);
});

for (const name of ["row-lstm", "diagonal-bilstm"]) {
  test(`${name}: ∂ params_i / ∂ x_j = 0 for j at or after i (4×4)`, () => {
    assertCausal(name, makePixel(name, small, [1, 4, 4]), [1, 4, 4]);
  });

  test(`${name}: R→G→B order within a pixel (3 channels, 3×3, softmax output)`, () => {
    const opts = { ...small, output: "softmax", levels: 4 };
    assertCausal(`${name} rgb`, makePixel(name, opts, [3, 3, 3]), [3, 3, 3]);
  });

  test(`${name}: Σ_x p(x) = 1 within 1e-4 over all 512 binary 3×3 images`, () => {
    // float32 log-probabilities: ~1e-5 accumulated error over 512 terms
    const total = totalProbability(makePixel(name, small, [1, 3, 3]), 9, 2);
    assert.ok(Math.abs(total - 1) < 1e-4, `Σ p = ${total}`);
  });

  test(`${name}: samples follow p(x): TV over the 16 images of a 2×2 model ≤ 0.02 with 5·10^4 samples`, () => {
    // an exact sampler's expected TV here is about 0.007
    const tv = samplingTV(makePixel(name, { ...small, layers: 1 }, [1, 2, 2], 3, 3), 4, 50000);
    assert.ok(tv < 0.02, `TV = ${tv}`);
  });
}

test("receptive fields: Diagonal BiLSTM sees the whole upper context, Row LSTM a triangle above", () => {
  const shape: [number, number, number] = [1, 5, 5];
  const opts = { ...small, layers: 1, firstKernel: 3 };
  // The one exception for the Diagonal BiLSTM: the last pixel of the row above enters the mask-A features only in
  // rows below it, so (r, j) sees it only when it lies within the first kernel's reach (j + 1 ≥ 4 here).
  const diag = gradientSupport(makePixel("diagonal-bilstm", opts, shape), shape, new Generator(5));
  diag.forEach((deps, i) => {
    const r = Math.floor(i / 5),
      lastAbove = r >= 1 && (i % 5) + 1 < 4 ? r * 5 - 1 : -1;
    for (let j = 0; j < i; j++)
      if (j === lastAbove) assert.ok(!deps.has(j), `diagonal-bilstm: pixel ${i} cannot see ${j}`);
      else assert.ok(deps.has(j), `diagonal-bilstm: pixel ${i} does not see earlier ${j}`);
  });
  const row = gradientSupport(makePixel("row-lstm", opts, shape), shape, new Generator(5));
  // (4, 0) reaches row 4 − d up to column d (+1 through the 3×3 first layer): (1, 4) and (3, 2) lie outside
  for (const j of [9, 17, 19]) assert.ok(!row[20]!.has(j), `row-lstm: (4, 0) does not see pixel ${j}`);
  for (const j of [0, 4, 15]) assert.ok(row[20]!.has(j), `row-lstm: (4, 0) sees pixel ${j} inside the triangle`);
});
