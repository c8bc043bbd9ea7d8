/**
 * backward({ releaseActivations: true }) hands the memory of the tensors computed in the graph back to the storage
 * pool, for the next forward pass to reuse. These tests check that training with it is exactly training without it,
 * that the released tensors throw when read, and that nothing a caller can still see is released: the root, the
 * leaves, a detached copy, a view made outside the graph.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, noGrad, randn, type Tensor } from "../../src/index.js";
import { Adam } from "../../src/optim/adam.js";
import { Conv2d } from "../../src/nn/conv.js";
import { Linear } from "../../src/nn/linear.js";
import { bceWithLogits } from "../../src/ops/loss.js";
import { bernoulli } from "../../src/tensor/create.js";
import { drainStoragePool, storageBytesAllocated, storageBytesReused } from "../../src/tensor/storage.js";
import { assertClose } from "../helpers.js";

const g = new Generator(11);
const R = (shape: number[], requiresGrad = false): Tensor => {
  const t = randn(shape, { generator: g });
  return requiresGrad ? t.requireGrad() : t;
};

/** Four Adam steps of a small conv net on random binary images; returns the losses, parameters and bytes. */
function train(release: boolean): { losses: number[]; params: number[][]; newBytes: number; reusedBytes: number } {
  const gen = new Generator(3);
  const conv = new Conv2d(1, 8, 3, { padding: 1, generator: gen, activation: "relu" }),
    lin = new Linear(8 * 12 * 12, 16, { generator: gen }),
    out = new Linear(16, 144, { generator: gen });
  const x = bernoulli(0.3, [6, 1, 12, 12], { generator: gen });
  const params = [conv, lin, out].flatMap((m) => m.parameters());
  const opt = new Adam(params, { lr: 1e-2 });
  drainStoragePool();
  const losses: number[] = [];
  let new0 = 0,
    reused0 = 0;
  for (let s = 0; s < 4; s++) {
    if (s === 1) [new0, reused0] = [storageBytesAllocated(), storageBytesReused()];
    const h = lin.forward(conv.forward(x).reshape([6, 8 * 12 * 12])).tanh();
    const loss = bceWithLogits(out.forward(h), x.reshape([6, 144]), { reduction: "sum" });
    opt.zeroGrad();
    if (release) loss.backward({ releaseActivations: true });
    else loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return {
    losses,
    params: params.map((p) => p.toArray()),
    newBytes: storageBytesAllocated() - new0,
    reusedBytes: storageBytesReused() - reused0,
  };
}

test("training with releaseActivations is exactly training without it, on reused memory", () => {
  const plain = train(false),
    released = train(true);
  // the same arithmetic on the same values in the same order: exact
  assert.deepEqual(released.losses, plain.losses, "losses of the four steps");
  released.params.forEach((p, i) => assertClose(p, plain.params[i]!, { atol: 0, rtol: 0 }, `parameter ${i}`));
  // the one activation above the pool's 4 KiB floor, the conv output (6·8·144 floats, 27 KiB, shared with its
  // reshape), comes back every step and serves the next step's forward
  assert.ok(
    released.reusedBytes >= plain.reusedBytes + 3 * 6 * 8 * 144 * 4,
    `steps 2–4 reused ${released.reusedBytes} bytes with the option, ${plain.reusedBytes} without`,
  );
  assert.ok(
    released.newBytes < plain.newBytes,
    `new bytes in steps 2–4: ${released.newBytes} with the option, ${plain.newBytes} without`,
  );
});

test("released tensors throw when read; the root and the leaves stay readable and correct", () => {
  const x = R([32, 64]),
    w = R([64, 64], true);
  const w0 = w.toArray();
  const h = x.matmul(w).tanh();
  const loss = h.square().sum();
  const want = h.toArray().reduce((s, v) => s + v * v, 0);
  loss.backward({ releaseActivations: true });
  assert.throws(() => h.toArray(), /releaseActivations/, "reading an activation after its memory went back");
  assertClose([loss.item()], [want], { atol: 0, rtol: 1e-5 }, "the root keeps its value");
  assertClose(w.toArray(), w0, { atol: 0, rtol: 0 }, "the leaf is untouched");
  // d/dw Σ tanh(xw)² = xᵀ (2 tanh (1 − tanh²)), recomputed without the option
  const w2 = w.detach().requireGrad();
  x.matmul(w2).tanh().square().sum().backward();
  assertClose(w.grad!.toArray(), w2.grad!.toArray(), { atol: 0, rtol: 0 }, "the leaf's gradient");
});

test("a detached copy, a view made outside the graph and a view of a leaf keep their memory", () => {
  const x = R([32, 64]),
    w = R([64, 64], true);
  const h = x.matmul(w).tanh(),
    k = x.matmul(w).sigmoid(),
    wView = w.reshape([64, 64]); // recorded in the graph, over the leaf's buffer
  const kept = h.detach(),
    outside = noGrad(() => k.reshape([64, 32]));
  const [hv, kv, wv] = [h.toArray(), k.toArray(), w.toArray()];
  h.add(k).mul(x.matmul(wView)).sum().backward({ releaseActivations: true });
  // allocations of the same sizes as the graph's tensors, which would take any buffer released back
  for (let i = 0; i < 4; i++)
    R([32, 64])
      .mul(R([32, 64]))
      .add(R([64, 64]).sum());
  assertClose(kept.toArray(), hv, { atol: 0, rtol: 0 }, "the detached copy");
  assertClose(h.toArray(), hv, { atol: 0, rtol: 0 }, "the tensor it was detached from, not released");
  assertClose(outside.toArray(), kv, { atol: 0, rtol: 0 }, "the view made under noGrad");
  assertClose(w.toArray(), wv, { atol: 0, rtol: 0 }, "the leaf, viewed inside the graph");
});

test("releaseActivations cannot be combined with retainGraph", () => {
  const w = R([64, 64], true);
  const loss = w.tanh().sum();
  assert.throws(() => loss.backward({ releaseActivations: true, retainGraph: true }), TypeError);
  loss.backward(); // the graph is intact: the refused call changed nothing
  assert.ok(w.grad, "the plain backward still ran");
});
