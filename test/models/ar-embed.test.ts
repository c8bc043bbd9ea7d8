/** MADE and NADE embeddings for probes: shape [n, H], a function of the input, the documented hidden layer. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import { isLatentModel } from "../../src/models/base.js";
import { MADE, options as madeOptions } from "../../src/models/autoregressive/made.js";
import { NADE } from "../../src/models/autoregressive/nade.js";
import { assertClose, randomTensor } from "../helpers.js";

const D = 12,
  data = { dim: D, shape: [1, 3, 4] as [number, number, number] };
const images = (seed: number) =>
  randomTensor(new Generator(seed), [5, D], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);

test("NADE embed = σ(c + Σ_j x_j W_j), [n, H], and changes with the input", () => {
  const nade = new NADE({ hidden: 7 }, data, new Generator(1));
  nade.c.data.set(randomTensor(new Generator(9), [7]).toArray()); // c starts at zero; make it count
  assert.ok(isLatentModel(nade) && nade.latentDim === 7);
  const x = images(2),
    e = nade.embed(x);
  assert.deepEqual(e.shape, [5, 7]);
  const xs = x.toArray(),
    W = nade.W.toArray(),
    c = nade.c.toArray();
  const byHand = Array.from({ length: 35 }, (_, k) => {
    const [r, h] = [Math.floor(k / 7), k % 7];
    let a = c[h]!;
    for (let j = 0; j < D; j++) a += xs[r * D + j]! * W[j * 7 + h]!;
    return 1 / (1 + Math.exp(-a));
  });
  // float32 GEMM against float64 sums of 12 terms
  assertClose(e.toArray(), byHand, { atol: 1e-5, rtol: 1e-5 }, "σ(c + Wᵀx)");
  const other = nade.embed(images(3)).toArray();
  assert.ok(
    other.some((v, i) => Math.abs(v - e.toArray()[i]!) > 1e-3),
    "different images, different embeddings",
  );
});

test("MADE embed = first hidden layer under mask 0, [n, H₁]; an ensemble keeps its current mask", () => {
  const made = new MADE(
    { ...madeOptions.parse({}), hidden: [9, 6], nMasks: 4, orderAgnostic: true },
    data,
    new Generator(4),
  );
  assert.ok(isLatentModel(made) && made.latentDim === 9);
  const x = images(5);
  made.useMask(2);
  const orderBefore = Array.from(made.order());
  const e = made.embed(x);
  assert.deepEqual(e.shape, [5, 9]);
  assert.deepEqual(Array.from(made.order()), orderBefore, "embedding does not switch the selected mask");
  made.useMask(0);
  const l = made.layers[0]!,
    xs = x.toArray(),
    W = l.weight.toArray(),
    M = l.mask.toArray(),
    b = l.bias!.toArray();
  const byHand = Array.from({ length: 45 }, (_, k) => {
    const [r, h] = [Math.floor(k / 9), k % 9];
    let a = b[h]!;
    for (let j = 0; j < D; j++) a += xs[r * D + j]! * W[h * D + j]! * M[h * D + j]!;
    return Math.max(a, 0);
  });
  // float32 GEMM against float64 sums of 12 terms
  assertClose(e.toArray(), byHand, { atol: 1e-5, rtol: 1e-5 }, "relu((W ⊙ M₀) x + b)");
  const other = made.embed(images(6)).toArray();
  assert.ok(
    other.some((v, i) => Math.abs(v - e.toArray()[i]!) > 1e-3),
    "different images, different embeddings",
  );
});
