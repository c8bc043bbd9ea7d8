/** Autograd semantics: accumulation, shared subgraphs, noGrad, detach, graph reuse, deep graphs, flat memory. */
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { Generator, Tensor, noGrad, tensor, randn, zeros, isGradEnabled } from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";

const exact = { atol: 1e-12, rtol: 1e-12 };

test("gradients accumulate across backward calls until zeroGrad", () => {
  const x = tensor([1.5, -2, 3], undefined, { dtype: "float64" }).requireGrad();
  x.square().sum().backward();
  x.square().sum().backward();
  assertClose(x.grad!.toArray(), [6, -8, 12], exact, "two backward passes add 2·(2x)");
  x.zeroGrad();
  x.mul(3).sum().backward();
  assertClose(x.grad!.toArray(), [3, 3, 3], exact, "after zeroGrad");
});

test("a shared subgraph receives the sum of its consumers' gradients", () => {
  const x = tensor([0.3, -1.2], undefined, { dtype: "float64" }).requireGrad();
  const h = x.tanh(); // used three times
  h.mul(h).add(h.mul(2)).sum().backward();
  const t = [Math.tanh(0.3), Math.tanh(-1.2)];
  assertClose(
    x.grad!.toArray(),
    t.map((v) => (2 * v + 2) * (1 - v * v)),
    { atol: 1e-12, rtol: 1e-10 },
    "d/dx (h² + 2h)",
  );
});

test("noGrad records nothing and restores recording afterwards, even when fn throws", () => {
  const w = randn([3, 3]).requireGrad();
  const y = noGrad(() => w.matmul(w).sum());
  assert.equal(y.requiresGrad, false);
  assert.equal(y.node, null);
  assert.throws(
    () =>
      noGrad(() => {
        throw new Error("inside");
      }),
    /inside/,
  );
  assert.equal(isGradEnabled(), true);
  assert.ok(w.matmul(w).sum().requiresGrad);
});

test("detach cuts the graph: no gradient flows through the detached branch", () => {
  const x = tensor([2, 3], undefined, { dtype: "float64" }).requireGrad();
  x.mul(x.detach()).sum().backward();
  assertClose(x.grad!.toArray(), [2, 3], exact, "d/dx x·stop(x) = stop(x)");
});

test("a graph is freed after backward; retainGraph allows a second pass", () => {
  const x = tensor([1, 2], undefined, { dtype: "float64" }).requireGrad();
  const y = x.exp().sum();
  y.backward(undefined, { retainGraph: true });
  y.backward();
  assertClose(x.grad!.toArray(), [2 * Math.E, 2 * Math.exp(2)], { atol: 1e-12, rtol: 1e-12 }, "two passes");
  assert.throws(() => y.backward(), /already used and freed.*retainGraph/);
});

test("backward errors: no grad required, non-scalar without a gradient", () => {
  assert.throws(() => tensor([1, 2]).sum().backward(), TypeError);
  const x = tensor([1, 2]).requireGrad();
  assert.throws(() => x.mul(2).backward(), /non-scalar/);
  x.mul(2).backward(tensor([1, 1]));
  assert.deepEqual(x.grad!.toArray(), [2, 2]);
});

test("a 784-step sequential graph (NADE-like loop) backpropagates without stack overflow", () => {
  const gen = new Generator(3);
  const w = randomTensor(gen, [1, 8], { dtype: "float32", low: -0.1, high: 0.1 });
  let a = zeros([4, 8]);
  let total: Tensor = zeros([]);
  for (let i = 0; i < 784; i++) {
    total = total.add(a.sigmoid().sum());
    a = a.add(w);
  }
  total.backward();
  assert.ok(w.grad && w.grad.toArray().every((v) => Number.isFinite(v) && v !== 0));
});

test("memory stays flat over 3,100 training steps of a small MLP (no leak)", async () => {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  const gen = new Generator(5);
  const x = randomTensor(gen, [32, 20], { dtype: "float32", grad: false });
  const t = randomTensor(gen, [32, 1], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);
  const w1 = randomTensor(gen, [16, 20], { dtype: "float32", low: -0.3, high: 0.3 });
  const w2 = randomTensor(gen, [1, 16], { dtype: "float32", low: -0.3, high: 0.3 });
  const params = [w1, w2];
  const step = (): number => {
    const logits = x.matmul(w1.T).relu().matmul(w2.T);
    const loss = logits.sub(t).square().mean();
    params.forEach((p) => p.zeroGrad());
    loss.backward();
    noGrad(() => params.forEach((p) => p.data.set(p.sub(p.grad!.mul(0.05)).data)));
    return loss.item();
  };
  // array buffers are swept on a helper thread after a collection: let it finish before reading the counters, else
  // a window can see several MiB of another test's buffers still counted (seen: +5.4, −3.9, +6.9 MiB)
  const used = async () => {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const first = step();
  for (let i = 0; i < 100; i++) step();
  // five windows of 600 steps: a leak grows every window by the same amount, while the collector's and the code
  // caches' one-off moves (≤ 0.25 MiB when run alone) land in one or two; the median must stay under 2 MiB, which
  // fails for a leak of ≥ 3.5 kB a step
  let last = first,
    mark = await used();
  const growth: number[] = [];
  for (let w = 0; w < 5; w++) {
    for (let i = 0; i < 600; i++) last = step();
    const now = await used();
    growth.push(now - mark);
    mark = now;
  }
  assert.ok(last < first, `training reduced the loss (${first} → ${last})`);
  const median = [...growth].sort((a, b) => a - b)[2]!;
  const mib = growth.map((g) => (g / 1048576).toFixed(2)).join(", ");
  assert.ok(median < 2 * 1024 * 1024, `memory grew by ${mib} MiB in five windows of 600 steps (median limit 2 MiB)`);
});
