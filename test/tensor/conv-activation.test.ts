/**
 * conv2d's `activation: "leaky-relu"` with `slope` (v > 0 ? v : slope·v in the convolution's output pass): on both
 * backends it equals the convolution followed by the separate leakyRelu op, values and gradients, and the options are
 * checked. Its float64 gradient check is in test/cases.ts and native-vs-reference parity on every instruction-set
 * path in test/native/fast-paths.cases.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, conv2d, getBackend, nativeAvailable, setBackend, type Tensor } from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";

for (const backend of ["reference", "native"] as const)
  test(
    `conv2d leaky-relu(0.2) (${backend}, float32) = leakyRelu(conv2d(x), 0.2), values and gradients (atol 1e-5)`,
    { skip: backend === "native" && !nativeAvailable() ? "native addon not built" : false },
    () => {
      const prev = getBackend().name;
      setBackend(backend);
      try {
        const gen = new Generator(8);
        const x = randomTensor(gen, [5, 3, 10, 9], { dtype: "float32" }),
          w = randomTensor(gen, [6, 3, 4, 4], { dtype: "float32", low: -0.5, high: 0.5 }),
          b = randomTensor(gen, [6], { dtype: "float32" });
        const geom = { stride: 2, padding: 1 };
        const both = (f: () => Tensor) => {
          [x, w, b].forEach((t) => t.zeroGrad());
          const y = f();
          y.mul(randomTensor(new Generator(2), [...y.shape], { dtype: "float32", grad: false }))
            .sum()
            .backward();
          return [y.toArray(), x.grad!.toArray(), w.grad!.toArray(), b.grad!.toArray()];
        };
        const fused = both(() => conv2d(x, w, b, { ...geom, activation: "leaky-relu", slope: 0.2 }));
        const plain = both(() => conv2d(x, w, b, geom).leakyRelu(0.2));
        ["output", "d/dx", "d/dw", "d/db"].forEach((what, i) =>
          assertClose(fused[i]!, plain[i]!, { atol: 1e-5, rtol: 1e-5 }, what),
        );
        assert.ok(
          fused[0]!.some((v) => v < 0),
          "some outputs are on the leaky side",
        );
      } finally {
        setBackend(prev);
      }
    },
  );

test("conv2d's activation options are checked: slope only with leaky-relu, finite and ≥ 0", () => {
  const gen = new Generator(1);
  const x = randomTensor(gen, [1, 2, 4, 4], { dtype: "float32" }),
    w = randomTensor(gen, [3, 2, 3, 3], { dtype: "float32" });
  assert.throws(() => conv2d(x, w, null, { activation: "relu", slope: 0.1 }), /slope 0.1 is for "leaky-relu"/);
  assert.throws(() => conv2d(x, w, null, { slope: 0.1 }), /needs activation "leaky-relu"/);
  assert.throws(() => conv2d(x, w, null, { activation: "leaky-relu", slope: Number.NaN }), /finite number ≥ 0/);
  // @ts-expect-error an unknown activation is refused at run time too
  assert.throws(() => conv2d(x, w, null, { activation: "gelu" }), /must be "relu", "leaky-relu" or absent/);
  // the default slope is leakyRelu()'s 0.01
  assertClose(
    conv2d(x, w, null, { activation: "leaky-relu" }).toArray(),
    conv2d(x, w).leakyRelu().toArray(),
    { atol: 0, rtol: 0 },
    "default slope",
  );
});
