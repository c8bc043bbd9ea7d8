/**
 * backward() hands the gradient buffers it created back to the storage pool once consumed, and the next allocations
 * reuse them. These tests check that nothing a caller can still see is reused: leaf gradients (also when several
 * leaves receive the same buffer, as add's rule does) and gradients that a rule returned as a view of its input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, randn, type Tensor } from "../../src/index.js";
import {
  drainStoragePool,
  storageBytesAllocated,
  storageBytesReused,
  storagePoolBytes,
} from "../../src/tensor/storage.js";
import { releaseLeafGrad } from "../../src/autograd/tape.js";
import { assertClose } from "../helpers.js";

const g = new Generator(7);
const R = (shape: number[]): Tensor => randn(shape, { generator: g });

test("leaf gradients stay intact while later steps reuse released gradient buffers", () => {
  const a = R([64, 64]).requireGrad(),
    b = R([64, 64]).requireGrad(),
    w = R([64, 64]);
  // add's rule passes the gradient it received to both inputs: leaf a keeps that buffer as its .grad while the mul
  // node consumes (and releases) its own reference to it
  a.add(b.mul(2)).mul(w).sum().backward();
  const gotA = Float32Array.from(a.grad!.toArray()),
    gotB = Float32Array.from(b.grad!.toArray());
  assertClose(gotA, w.toArray(), { atol: 0, rtol: 0 }, "d/da Σ (a + 2b) w = w, exactly");
  assertClose(gotB, w.mul(2).toArray(), { atol: 0, rtol: 0 }, "d/db = 2w, exactly");
  const reused0 = storageBytesReused();
  for (let i = 0; i < 5; i++) {
    const c = R([64, 64]).requireGrad();
    c.mul(R([64, 64]))
      .add(c.square())
      .relu()
      .sum()
      .backward();
  }
  assert.ok(storageBytesReused() > reused0, "the later steps took buffers from the pool (else this checks nothing)");
  // exact: the same buffers, untouched
  assertClose(a.grad!.toArray(), gotA, { atol: 0, rtol: 0 }, "a.grad after buffer reuse");
  assertClose(b.grad!.toArray(), gotB, { atol: 0, rtol: 0 }, "b.grad after buffer reuse");
});

test("a gradient passed on as a view of the rule's input is not reused while in flight", () => {
  const x = R([32, 256]).requireGrad(),
    w1 = R([256, 32]),
    w2 = R([256, 32]),
    w3 = R([32, 256]);
  // reshape's rule returns a view of its gradient; the other branches allocate same-sized buffers meanwhile
  const y1 = x.mul(x).reshape([256, 32]).mul(w1).sum();
  const y2 = x.reshape([256, 32]).mul(w2).sum();
  const y3 = x.mul(w3).tanh().sum();
  y1.add(y2).add(y3).backward();
  const xs = x.toArray(),
    a = w1.toArray(),
    b = w2.toArray(),
    c = w3.toArray();
  // d/dx = 2 x w1 + w2 + w3 (1 − tanh²(x w3)), flat indices line up (reshape keeps the order); float32 sums of
  // three terms in any order: atol 1e-5, rtol 1e-5
  const want = xs.map((v, i) => 2 * v * a[i]! + b[i]! + c[i]! * (1 - Math.tanh(v * c[i]!) ** 2));
  assertClose(x.grad!.toArray(), want, { atol: 1e-5, rtol: 1e-5 }, "x.grad through views, adds and reuse");
});

test("draining the pool hands its buffers back, and later allocations of that size are new", () => {
  const x = R([128, 96]).requireGrad(); // 48 KiB gradients: above the size served without the pool
  x.mul(R([128, 96]))
    .tanh()
    .mul(R([128, 96]))
    .sum()
    .backward();
  const held = storagePoolBytes();
  assert.ok(held >= 128 * 96 * 4, `the backward left its consumed gradients in the pool (held ${held} bytes)`);
  assert.equal(drainStoragePool(), held, "drain reports what the pool held");
  assert.equal(storagePoolBytes(), 0, "nothing left after the drain");
  const allocated0 = storageBytesAllocated(),
    reused0 = storageBytesReused();
  R([128, 96]).mul(R([128, 96]));
  assert.equal(storageBytesReused(), reused0, "no buffer came from the drained pool");
  assert.ok(storageBytesAllocated() - allocated0 >= 3 * 128 * 96 * 4, "the three outputs were allocated anew");
});

test("releaseLeafGrad: the next backward reuses a released gradient; gradients not made by backward stay", () => {
  const w = R([96, 80]).requireGrad(),
    other = R([96, 96]).requireGrad();
  const step = (x: Tensor): void => x.matmul(w.transpose(0, 1)).tanh().mul(other.sum(0)).sum().backward();
  const x1 = R([96, 80]),
    x2 = R([96, 80]);
  step(x1);
  const first = w.grad!.data.buffer;
  releaseLeafGrad(w);
  assert.equal(w.grad, null);
  // a gradient set by hand is only dropped: its values survive the next backward's allocations
  const byHand = R([96, 96]);
  const kept = Float32Array.from(byHand.toArray());
  other.grad = byHand;
  releaseLeafGrad(other);
  step(x2);
  assert.equal(w.grad!.data.buffer, first, "w's gradient is written into the buffer it had after the first step");
  assertClose(byHand.toArray(), kept, { atol: 0, rtol: 0 }, "a gradient not made by backward is never reused");
  // and the values are those of a fresh computation (tolerance: the same float32 arithmetic, exactly)
  const w2 = w.detach().requireGrad(),
    o2 = other.detach().requireGrad();
  x2.matmul(w2.transpose(0, 1)).tanh().mul(o2.sum(0)).sum().backward();
  assertClose(w.grad!.toArray(), w2.grad!.toArray(), { atol: 0, rtol: 0 }, "reused gradient equals a fresh one");
  drainStoragePool();
});
