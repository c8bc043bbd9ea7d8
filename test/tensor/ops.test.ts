/** Forward values of ops against hand-computed results (the gradient checks take forward values as given). */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  tensor,
  conv2d,
  convTranspose2d,
  maxPool2d,
  avgPool2d,
  crossEntropy,
  bceWithLogits,
  concat,
  stack,
  oneHot,
  where,
  arange,
  Generator,
  type Reduction,
} from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";

const tol = { atol: 1e-6, rtol: 1e-6 };

test("matmul, transposed views and batch broadcasting", () => {
  const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]),
    b = tensor([
      [1, 0],
      [0, 1],
      [2, -1],
    ]);
  assert.deepEqual(a.matmul(b).toArray(), [7, -1, 16, -1]);
  assert.deepEqual(a.T.T.matmul(b).toArray(), [7, -1, 16, -1]);
  assert.deepEqual(b.T.matmul(a.T).toArray(), [7, 16, -1, -1]);
  const batch = stack([a, a.mul(2)]);
  assert.deepEqual(batch.matmul(b).toArray(), [7, -1, 16, -1, 14, -2, 32, -2]);
});

test("reductions, softmax and logSumExp", () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 7],
  ]);
  assert.deepEqual(x.sum(0).toArray(), [5, 7, 10]);
  assert.deepEqual(x.sum(1, true).shape, [2, 1]);
  assert.deepEqual(x.max(1).toArray(), [3, 7]);
  assert.deepEqual(x.min().toArray(), [1]);
  assertClose(x.mean().toArray(), [22 / 6], tol, "mean");
  assertClose(x.variance(1, false, 1).toArray(), [1, 7 / 3], tol, "unbiased variance");
  assertClose(
    x.logSumExp(1).toArray(),
    [Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), Math.log(Math.exp(4) + Math.exp(5) + Math.exp(7))],
    tol,
    "logSumExp",
  );
  const s = x.softmax(1).toArray();
  assertClose(
    s.slice(0, 3),
    [1, 2, 3].map((v) => Math.exp(v) / (Math.exp(1) + Math.exp(2) + Math.exp(3))),
    tol,
    "softmax",
  );
  assertClose(tensor([1000, 1000]).logSoftmax().toArray(), [-Math.LN2, -Math.LN2], tol, "logSoftmax is stable at 1000");
});

test("losses: BCE with logits and cross-entropy match their formulas, stably", () => {
  const z = [-30, -1, 0, 2, 40],
    t = [0, 1, 1, 0, 1];
  const want = z.map(
    (v, i) => -(t[i]! * Math.log(1 / (1 + Math.exp(-v))) + (1 - t[i]!) * Math.log(1 - 1 / (1 + Math.exp(-v)))),
  );
  want[0] = Math.log1p(Math.exp(-30)); // the naive formula loses precision here
  want[4] = Math.log1p(Math.exp(-40));
  assertClose(
    bceWithLogits(tensor(z), tensor(t), { reduction: "none" }).toArray(),
    want,
    { atol: 1e-7, rtol: 1e-5 },
    "bce",
  );
  const logits = tensor([
    [1, 2, 3],
    [0, 0, 0],
  ]);
  const lse0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
  assertClose(
    crossEntropy(logits, [2, 1], { reduction: "none" }).toArray(),
    [lse0 - 3, Math.log(3)],
    tol,
    "cross-entropy",
  );
});

test("losses: reduction mean (the default), sum and none, with their gradients", () => {
  const g = new Generator(17);
  const z = randomTensor(g, [6, 5], { dtype: "float64", low: -4, high: 4 });
  const t = randomTensor(g, [6, 5], { dtype: "float64", low: 0, high: 1, grad: false });
  const k = Array.from(g.uniform01(6), (u) => Math.floor(u * 5));
  const cases = [
    { name: "bceWithLogits", run: (o?: { reduction?: Reduction }) => bceWithLogits(z, t, o), n: 30, shape: [6, 5] },
    { name: "crossEntropy", run: (o?: { reduction?: Reduction }) => crossEntropy(z, k, o), n: 6, shape: [6] },
  ];
  for (const c of cases) {
    const none = c.run({ reduction: "none" });
    assert.deepEqual(none.shape, c.shape, `${c.name}: "none" keeps one loss per element`);
    const total = none.toArray().reduce((a, b) => a + b, 0);
    // float64 sums of ≤ 30 terms: the order of addition changes the result by < 1e-14
    assertClose([c.run({ reduction: "sum" }).item()], [total], { atol: 1e-12, rtol: 0 }, `${c.name}: sum`);
    assertClose([c.run({ reduction: "mean" }).item()], [total / c.n], { atol: 1e-12, rtol: 0 }, `${c.name}: mean`);
    assert.equal(c.run().item(), c.run({ reduction: "mean" }).item(), `${c.name}: mean is the default`);
    assert.deepEqual(c.run().shape, [], `${c.name}: reduced to a scalar`);
    // gradients: sum's is none's with all-ones weights, mean's is that over n (tolerance: float64 rounding, 1e-12)
    const grad = (red: Reduction): number[] => {
      z.zeroGrad();
      const out = c.run({ reduction: red });
      (red === "none" ? out.sum() : out).backward();
      return z.grad!.toArray();
    };
    const gNone = grad("none");
    assertClose(grad("sum"), gNone, { atol: 1e-12, rtol: 0 }, `${c.name}: d sum`);
    assertClose(
      grad("mean"),
      gNone.map((v) => v / c.n),
      { atol: 1e-12, rtol: 0 },
      `${c.name}: d mean`,
    );
    assert.throws(() => c.run({ reduction: "avg" as Reduction }), {
      name: "RangeError",
      message: new RegExp(`${c.name}: reduction "avg" is not one of "mean", "sum", "none"`),
    });
  }
  // the class axis by number (as before) and by option agree
  const z3 = randomTensor(g, [2, 3, 4], { dtype: "float64", grad: false });
  const k3 = [0, 1, 2, 2, 1, 0, 0, 1];
  assert.deepEqual(crossEntropy(z3, k3, 1).toArray(), crossEntropy(z3, k3, { axis: 1 }).toArray());
  assert.deepEqual(crossEntropy(z3, k3, { axis: 1, reduction: "none" }).shape, [2, 4]);
});

test("conv2d, transposed conv and pooling on small hand-computed cases", () => {
  const x = arange(16).reshape(1, 1, 4, 4);
  const w = tensor([
    [
      [
        [1, 0],
        [0, -1],
      ],
    ],
  ]);
  // out[i,j] = x[i,j] − x[i+1,j+1] = −5 everywhere
  assert.deepEqual(conv2d(x, w).toArray(), Array(9).fill(-5));
  assert.deepEqual(conv2d(x, w, tensor([1]), { stride: 2 }).toArray(), [-4, -4, -4, -4]);
  // padding 1: the corner out[0,0] sees only −x[0,0] = 0; out[0,1] = −x[0,1]
  assertClose(conv2d(x, w, null, { padding: 1 }).toArray().slice(0, 3), [0, -1, -2], tol, "padded conv");
  assert.deepEqual(maxPool2d(x, 2).toArray(), [5, 7, 13, 15]);
  assert.deepEqual(avgPool2d(x, 2).toArray(), [2.5, 4.5, 10.5, 12.5]);
  // transposed conv of a single 1 spreads the kernel: stride 2 places copies 2 apart
  const up = convTranspose2d(
    tensor([[[[1, 2]]]]),
    tensor([
      [
        [
          [1, 1],
          [1, 1],
        ],
      ],
    ]),
    null,
    { stride: 2 },
  );
  assert.deepEqual(up.shape, [1, 1, 2, 4]);
  assert.deepEqual(up.toArray(), [1, 1, 2, 2, 1, 1, 2, 2]);
});

test("movement: concat, slice with step, pad, gather, indexSelect, expand, oneHot, where", () => {
  const a = tensor([
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(concat([a, tensor([[5], [6]])], 1).toArray(), [1, 2, 5, 3, 4, 6]);
  assert.deepEqual(arange(10).slice(0, 1, 9, 3).toArray(), [1, 4, 7]);
  assert.deepEqual(arange(10).slice(0, -3).toArray(), [7, 8, 9]);
  assert.deepEqual(
    a
      .pad(
        [
          [1, 0],
          [0, 1],
        ],
        9,
      )
      .toArray(),
    [9, 9, 9, 1, 2, 9, 3, 4, 9],
  );
  assert.deepEqual(
    a
      .gather(
        1,
        tensor([
          [1, 1],
          [0, 1],
        ]),
      )
      .toArray(),
    [2, 2, 3, 4],
  );
  assert.deepEqual(a.indexSelect(1, [1, 0, 1]).toArray(), [2, 1, 2, 4, 3, 4]);
  assert.deepEqual(tensor([1, 2]).reshape(2, 1).expand(2, 3).toArray(), [1, 1, 1, 2, 2, 2]);
  assert.deepEqual(oneHot([2, 0], 3).toArray(), [0, 0, 1, 1, 0, 0]);
  assert.deepEqual(where(tensor([1, 0, 1]), tensor([1, 2, 3]), 0).toArray(), [1, 0, 3]);
  assert.deepEqual(a.permute(1, 0).contiguous().toArray(), [1, 3, 2, 4]);
  assert.deepEqual(a.reshape(-1).toArray(), [1, 2, 3, 4]);
  assert.equal(a.T.isContiguous(), false);
});
