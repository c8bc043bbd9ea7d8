/**
 * Output distributions for 8-bit-style data: a softmax over the levels and a discretized logistic mixture. Σ_x p(x) =
 * 1 over every grey 2×2 image with 4 levels and every 1×2 colour image with 3 levels (R→G→B masks), and sampling
 * frequencies against p(x).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { levelOf, pixelOutput } from "../../src/models/pixel/outputs.js";
import { makePixel, samplingTV, totalProbability } from "./pixel-helpers.js";

const models: Array<[string, Record<string, unknown>]> = [
  ["pixelcnn", { features: 6, blocks: 1, outputHidden: 6 }],
  ["gated-pixelcnn", { features: 6, layers: 2, outputHidden: 6 }],
  ["row-lstm", { hidden: 3, layers: 1, outputHidden: 6 }],
  ["diagonal-bilstm", { hidden: 3, layers: 1, outputHidden: 6 }],
];

test("Σ_x p(x) = 1 within 1e-4 over all 256 grey 2×2 images with 4 levels (softmax and logistic outputs)", () => {
  // float32 log-probabilities: ~1e-5 accumulated error over 256 terms
  for (const [name, opts] of models)
    for (const output of ["softmax", "logistic"]) {
      const m = makePixel(name, { ...opts, output, levels: 4, mixtures: 3 }, [1, 2, 2]);
      const total = totalProbability(m, 4, 4);
      assert.ok(Math.abs(total - 1) < 1e-4, `${name} ${output}: Σ p = ${total}`);
    }
});

test("Σ_x p(x) = 1 within 1e-4 over all 729 colour 1×2 images with 3 levels (R→G→B masks)", () => {
  for (const [name, opts] of models)
    for (const output of ["softmax", "logistic"]) {
      const m = makePixel(name, { ...opts, output, levels: 3, mixtures: 2 }, [3, 1, 2]);
      const total = totalProbability(m, 6, 3);
      assert.ok(Math.abs(total - 1) < 1e-4, `${name} ${output} rgb: Σ p = ${total}`);
    }
});

test("softmax and logistic samples follow p(x): TV over the 81 images of a 2×2, 3-level model ≤ 0.03", () => {
  // an exact sampler's expected TV with 81 outcomes and 10^5 draws is about 0.01
  for (const output of ["softmax", "logistic"]) {
    const m = makePixel("pixelcnn", { ...models[0]![1], output, levels: 3, mixtures: 2 }, [1, 2, 2], 3, 2);
    const tv = samplingTV(m, 4, 100000, 9, 3);
    assert.ok(tv < 0.03, `${output}: TV = ${tv}`);
  }
});

test("levelOf and value checks name the first value off the grid", () => {
  assert.equal(levelOf(2 / 3, 4), 2);
  assert.equal(levelOf(0.5, 4), -1);
  assert.match(pixelOutput("bernoulli", 2, 1).checkValues(Float32Array.of(0, 1, 0.5))!, /position 2 is not binary/);
  assert.match(pixelOutput("softmax", 4, 1).checkValues(Float32Array.of(0, 0.5))!, /0.5 at position 1/);
  assert.equal(pixelOutput("logistic", 256, 5).checkValues(Float32Array.of(0, 1, 128 / 255)), null);
});
