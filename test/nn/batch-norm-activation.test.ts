/**
 * BatchNorm1d/2d with a fused activation (`activation: "relu" | "leaky-relu"`, `slope`): in training it equals batch
 * norm followed by the separate relu/leakyRelu op, values and gradients (float32, native and reference backends; the
 * fused op's own float64 gradient check is in test/fused/batch-norm.cases.ts); in eval (running statistics) it
 * applies the activation too, with a gradient check against central differences (the layers are float32: the eval
 * map is piecewise linear in x, weight and bias, so a step of 1e-3 has no truncation error, and the loss is summed in
 * float64); it keeps the plain layer's state entries, so a plain layer's state loads into it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BatchNorm1d,
  BatchNorm2d,
  Generator,
  batchNormTrain,
  getBackend,
  nativeAvailable,
  setBackend,
  noGrad,
  type Tensor,
} from "../../src/index.js";
import type { BatchNorm } from "../../src/nn/layers.js";
import { assertClose, randomTensor } from "../helpers.js";

type Act = { activation: "relu" } | { activation: "leaky-relu"; slope: number };
const acts: Act[] = [{ activation: "relu" }, { activation: "leaky-relu", slope: 0.3 }];
const shapes: Array<{ dims: number[]; make: (c: number, a: Act) => BatchNorm }> = [
  { dims: [7, 5], make: (c, a) => new BatchNorm1d(c, a) },
  { dims: [4, 3, 5, 6], make: (c, a) => new BatchNorm2d(c, a) },
];
const label = (a: Act) => (a.activation === "relu" ? "ReLU" : `leaky ReLU(${a.slope})`);
const separately = (y: Tensor, a: Act) => (a.activation === "relu" ? y.relu() : y.leakyRelu(a.slope));

/** A layer with random gains, biases and running statistics (the defaults 1, 0, 0, 1 would hide mistakes). */
function randomLayer(dims: number[], make: (c: number, a: Act) => BatchNorm, a: Act, g: Generator): BatchNorm {
  const bn = make(dims[1]!, a);
  const c = dims[1]!;
  for (const [t, lo, hi] of [
    [bn.weight!, 0.5, 1.5],
    [bn.bias!, -0.5, 0.5],
    [bn.runningMean, -0.5, 0.5],
    [bn.runningVar, 0.5, 2],
  ] as const)
    t.data.set(randomTensor(g, [c], { low: lo, high: hi, grad: false }).data);
  return bn;
}

/**
 * backward() of L = Σ f() ⊙ W against central differences (step 1e-3, L summed in float64) for each tensor in
 * `wrt`, float32: |analytic − numeric| ≤ 2e-3 + 1e-3·|numeric| (float32 rounding of the outputs, ≈ 1e-7 per
 * value, divided by the 2e-3 step and summed over a channel's ≤ 120 values, stays below 1e-3).
 */
function gradCheck32(f: () => Tensor, wrt: Tensor[], g: Generator): void {
  const weights = randomTensor(g, [...f().shape], { dtype: "float32", grad: false }),
    w = weights.toArray();
  const loss = (): number =>
    noGrad(() =>
      f()
        .toArray()
        .reduce((s, v, i) => s + v * w[i]!, 0),
    );
  wrt.forEach((t) => t.zeroGrad());
  f().mul(weights).sum().backward();
  wrt.forEach((t, k) => {
    const numeric = Array.from({ length: t.size }, (_, i) => {
      const v = t.data[i]!;
      t.data[i] = v + 1e-3;
      const up = loss();
      t.data[i] = v - 1e-3;
      const down = loss();
      t.data[i] = v;
      return (up - down) / 2e-3;
    });
    assertClose(t.grad!.toArray(), numeric, { atol: 2e-3, rtol: 1e-3 }, `d/d(input ${k})`);
  });
}

const backends = nativeAvailable() ? (["native", "reference"] as const) : (["reference"] as const);

for (const backend of backends)
  for (const { dims, make } of shapes)
    for (const a of acts)
      test(
        `BatchNorm${dims.length === 2 ? "1d" : "2d"} + ${label(a)} in training equals batch norm then the ` +
          `activation op, values and gradients (float32 ${backend}, atol 1e-5, rtol 1e-4)`,
        () => {
          const prev = getBackend().name;
          setBackend(backend);
          try {
            const g = new Generator(21);
            const bn = randomLayer(dims, make, a, g);
            const x = randomTensor(g, dims, { dtype: "float32" }),
              w = randomTensor(g, dims, { dtype: "float32", grad: false });
            const fused = bn.forward(x);
            fused.mul(w).sum().backward();
            const got = [fused.toArray(), x.grad!.toArray(), bn.weight!.grad!.toArray(), bn.bias!.grad!.toArray()];
            for (const t of [x, bn.weight!, bn.bias!]) t.zeroGrad();
            const plain = separately(batchNormTrain(x, bn.weight, bn.bias, bn.eps).y, a);
            plain.mul(w).sum().backward();
            const want = [plain.toArray(), x.grad!.toArray(), bn.weight!.grad!.toArray(), bn.bias!.grad!.toArray()];
            ["output", "d/dx", "d/dweight", "d/dbias"].forEach((what, i) =>
              assertClose(got[i]!, want[i]!, { atol: 1e-5, rtol: 1e-4 }, what),
            );
            assert.ok(
              got[0]!.some((v) => v < 0) === (a.activation === "leaky-relu"),
              "negative outputs only when leaky",
            );
          } finally {
            setBackend(prev);
          }
        },
      );

for (const { dims, make } of shapes)
  for (const a of acts)
    test(
      `BatchNorm${dims.length === 2 ? "1d" : "2d"} + ${label(a)} in eval: running statistics then the activation; ` +
        "gradient check (float32, central differences, atol 2e-3 + rtol 1e-3)",
      () => {
        const g = new Generator(33);
        const bn = randomLayer(dims, make, a, g).eval();
        const x = randomTensor(g, dims, { dtype: "float32" }),
          c = dims[1]!,
          bshape = dims.length === 2 ? [1, c] : [1, c, 1, 1];
        const want = separately(
          x
            .sub(bn.runningMean.reshape(bshape))
            .div(bn.runningVar.add(bn.eps).sqrt().reshape(bshape))
            .mul(bn.weight!.reshape(bshape))
            .add(bn.bias!.reshape(bshape)),
          a,
        );
        assertClose(bn.forward(x).toArray(), want.toArray(), { atol: 0, rtol: 0 }, "eval output");
        gradCheck32(() => bn.forward(x), [x, bn.weight!, bn.bias!], g);
      },
    );

test("BatchNorm with an activation keeps the plain layer's state: a plain layer's state loads into it", () => {
  const g = new Generator(4);
  const plain = randomLayer([6, 3, 2, 2], (c) => new BatchNorm2d(c), acts[0]!, g);
  const fused = new BatchNorm2d(3, { activation: "leaky-relu", slope: 0.2 });
  assert.deepEqual([...fused.stateDict().keys()], [...plain.stateDict().keys()]);
  fused.loadStateDict(plain.stateDict());
  const x = randomTensor(g, [6, 3, 2, 2], { dtype: "float32", grad: false });
  plain.eval();
  fused.eval();
  assertClose(fused.forward(x).toArray(), plain.forward(x).leakyRelu(0.2).toArray(), { atol: 0, rtol: 0 }, "eval");
});

test("BatchNorm's activation options are checked: slope only for leaky-relu, finite and ≥ 0", () => {
  assert.throws(() => new BatchNorm1d(3, { activation: "relu", slope: 0.2 }), /slope 0.2 is for "leaky-relu"/);
  assert.throws(() => new BatchNorm1d(3, { slope: 0.2 }), /needs activation "leaky-relu"/);
  assert.throws(() => new BatchNorm1d(3, { activation: "leaky-relu", slope: -0.1 }), /finite number ≥ 0/);
  // @ts-expect-error an unknown activation is refused at run time too
  assert.throws(() => new BatchNorm2d(3, { activation: "tanh" }), /must be "relu", "leaky-relu" or absent/);
  assert.deepEqual(new BatchNorm1d(3, { activation: "leaky-relu" }).activation, {
    activation: "leaky-relu",
    slope: 0.01,
  });
});
