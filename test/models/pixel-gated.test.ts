/**
 * Gated PixelCNN: the dependency test, no blind spot (every earlier pixel reaches every later one once the receptive
 * field covers the image, where PixelCNN misses the upper right), Σ_x p(x) = 1, sampling, class conditioning.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import type { GatedPixelCNN } from "../../src/models/pixel/gated-pixelcnn.js";
import { assertCausal, gradientSupport, makePixel, samplingTV, totalProbability, allImages } from "./pixel-helpers.js";

const small = { features: 6, layers: 2, outputHidden: 6 };

test("gated-pixelcnn: ∂ params_i / ∂ x_j = 0 for j ≥ i (binary 5×5; R→G→B 3×3×3, logistic output)", () => {
  assertCausal("gated", makePixel("gated-pixelcnn", small, [1, 5, 5]), [1, 5, 5]);
  assertCausal(
    "gated rgb",
    makePixel("gated-pixelcnn", { ...small, output: "logistic", levels: 4, mixtures: 2 }, [3, 3, 3]),
    [3, 3, 3],
  );
});

test("gated-pixelcnn: no blind spot — every earlier pixel of a 5×5 image reaches every later one", () => {
  // 7-wide first layer + 2 more 3-wide layers: the vertical stack spans ±5 columns and 5 rows, the horizontal 5
  // columns to the left, so the receptive field covers every earlier pixel of a 5×5 image
  const shape: [number, number, number] = [1, 5, 5];
  const gated = gradientSupport(makePixel("gated-pixelcnn", { ...small, layers: 3 }, shape), shape, new Generator(4));
  gated.forEach((deps, i) => {
    for (let j = 0; j < i; j++) assert.ok(deps.has(j), `gated: pixel ${i} does not see earlier pixel ${j}`);
  });
  // PixelCNN of the same depth: pixel (4, 0) cannot see (3, 4) — above-right steps of the mask-B 3×3 convolutions
  // only climb diagonally, and the 7×7 mask-A layer reaches 3 columns right — while the gated model does
  const cnn = gradientSupport(
    makePixel("pixelcnn", { features: 8, blocks: 3, block: "plain", outputHidden: 8 }, shape),
    shape,
    new Generator(4),
  );
  assert.ok(!cnn[20]!.has(19), "PixelCNN has its blind spot at (3, 4) for pixel (4, 0)");
  assert.ok(cnn[20]!.has(18) && gated[20]!.has(19), "both see (3, 3); only the gated model sees (3, 4)");
});

test("gated-pixelcnn: Σ_x p(x) = 1 within 1e-4 over all 512 binary 3×3 images (unconditional and per class)", () => {
  // tolerance as for PixelCNN: float32 log-probabilities, ~1e-5 accumulated error over 512 terms
  const m = makePixel("gated-pixelcnn", small, [1, 3, 3]);
  const total = totalProbability(m, 9, 2);
  assert.ok(Math.abs(total - 1) < 1e-4, `Σ p = ${total}`);
  const c = makePixel("gated-pixelcnn", { ...small, classes: 3 }, [1, 3, 3]) as GatedPixelCNN;
  const all = allImages(9, 2);
  const per = [0, 1, 2].map((k) => c.logLikelihood(all, new Generator(0), new Int32Array(512).fill(k)).logp);
  for (const lp of per) {
    const t = lp.reduce((s, v) => s + Math.exp(v), 0);
    assert.ok(Math.abs(t - 1) < 1e-4, `class-conditional Σ p = ${t}`);
  }
  assert.ok(
    per[0]!.some((v, i) => Math.abs(v - per[1]![i]!) > 1e-3),
    "the class changes p(x): conditioning is wired in",
  );
});

test("gated-pixelcnn: samples follow p(x): TV over the 16 images of a 2×2 model ≤ 0.015 with 10^5 samples", () => {
  // same bound as PixelCNN: an exact sampler's expected TV is about 0.005
  const tv = samplingTV(makePixel("gated-pixelcnn", small, [1, 2, 2], 3, 3), 4, 100000);
  assert.ok(tv < 0.015, `TV = ${tv}`);
});

test("gated-pixelcnn: windowed sampling draws the full-image sampler's samples", () => {
  const m = makePixel("gated-pixelcnn", { ...small, firstKernel: 3 }, [1, 8, 3], 5, 3);
  assert.equal(m.receptiveRows(), 3);
  const a = m.sample(64, new Generator(4), { windowed: true }).toArray(),
    b = m.sample(64, new Generator(4), { naive: true }).toArray();
  assert.deepEqual(a, b);
});
