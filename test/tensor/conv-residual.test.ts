/**
 * conv2d's `residual` option (r + conv(x) in the convolution's own output pass): it equals the separate add on both
 * backends, its gradients pass the float64 central-difference check, and misuse is rejected with a plain message.
 * Native-vs-reference parity on every instruction-set path: test/native/fast-paths.cases.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Conv2d, Generator, conv2d, getBackend, nativeAvailable, setBackend, zeros } from "../../src/index.js";
import { assertClose, gradCheck, randomTensor } from "../helpers.js";

test("conv2d residual: gradient check with bias, masked taps and an input ReLU (float64, atol 1e-6, rtol 1e-5)", () => {
  const gen = new Generator(31);
  const x = randomTensor(gen, [2, 3, 6, 5]),
    w = randomTensor(gen, [4, 3, 3, 3], { low: -0.5, high: 0.5 }),
    b = randomTensor(gen, [4]),
    r = randomTensor(gen, [2, 4, 6, 5]);
  const taps = [0, 1, 2, 3, 4];
  gradCheck("residual, bias", (x, w, b, r) => conv2d(x!, w!, b!, { padding: 1, residual: r! }), [x, w, b, r], gen);
  gradCheck(
    "residual, taps, preActivation, no bias",
    (x, w, r) => conv2d(x!, w!, null, { padding: 1, taps, preActivation: "relu", residual: r! }),
    [x, w, r],
    gen,
  );
});

for (const backend of ["reference", "native"] as const) {
  test(
    `conv2d residual (${backend}, float32) = conv2d(x) + r, and r's gradient is the output's (atol 1e-5)`,
    { skip: backend === "native" && !nativeAvailable() ? "native addon not built" : false },
    () => {
      const prev = getBackend().name;
      setBackend(backend);
      try {
        const gen = new Generator(7);
        const conv = new Conv2d(5, 6, 1, { generator: gen });
        const x = randomTensor(gen, [3, 5, 7, 7], { dtype: "float32", grad: false });
        const r = randomTensor(gen, [3, 6, 7, 7], { dtype: "float32" });
        const g = randomTensor(gen, [3, 6, 7, 7], { dtype: "float32", grad: false });
        const fused = conv.forward(x, r);
        assertClose(fused.toArray(), conv.forward(x).add(r).toArray(), { atol: 1e-5, rtol: 0 }, "forward");
        fused.mul(g).sum().backward();
        assertClose(r.grad!.toArray(), g.toArray(), { atol: 0, rtol: 0 }, "residual gradient");
      } finally {
        setBackend(prev);
      }
    },
  );
}

test("conv2d residual: a wrong shape or dtype, or a rectified output, is rejected naming the shapes", () => {
  const x = zeros([2, 3, 8, 8]),
    w = zeros([4, 3, 3, 3]);
  assert.throws(() => conv2d(x, w, null, { padding: 1, residual: zeros([2, 4, 6, 6]) }), {
    name: "TypeError",
    message: "conv2d: residual [2,4,6,6] must have the output's shape [2,4,8,8]",
  });
  assert.throws(() => conv2d(x, w, null, { padding: 1, residual: zeros([2, 4, 8, 8], { dtype: "float64" }) }), {
    name: "TypeError",
    message: /conv2d: dtypes differ/,
  });
  assert.throws(() => conv2d(x, w, null, { padding: 1, activation: "relu", residual: zeros([2, 4, 8, 8]) }), {
    name: "RangeError",
    message: /residual and activation together/,
  });
});
