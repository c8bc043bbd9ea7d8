/**
 * PixelCNN: the gradient dependency test (binary and colour), Σ_x p(x) = 1 over all 512 binary 3×3 images, sampling
 * frequencies against p(x), windowed sampling = full-image sampling, completion, per-pixel scores.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, MaskedConv2d, randn, tensor } from "../../src/index.js";
import type { ResidualBlock } from "../../src/models/pixel/pixelcnn.js";
import { assertClose } from "../helpers.js";
import { assertCausal, makePixel, samplingTV, totalProbability } from "./pixel-helpers.js";

const small = { features: 8, blocks: 2, outputHidden: 8 };

test("pixelcnn: ∂ params_i / ∂ x_j = 0 for j at or after i (bottleneck and plain blocks, 5×5)", () => {
  assertCausal("pixelcnn bottleneck", makePixel("pixelcnn", small, [1, 5, 5]), [1, 5, 5]);
  assertCausal(
    "pixelcnn plain k=5",
    makePixel("pixelcnn", { ...small, block: "plain", kernel: 5, firstKernel: 3 }, [1, 5, 5]),
    [1, 5, 5],
  );
});

test("pixelcnn: R→G→B order within a pixel (3 channels, softmax and logistic outputs)", () => {
  const o = { features: 12, blocks: 1, outputHidden: 6, levels: 4 };
  assertCausal("pixelcnn rgb softmax", makePixel("pixelcnn", { ...o, output: "softmax" }, [3, 3, 3]), [3, 3, 3]);
  assertCausal("pixelcnn rgb logistic", makePixel("pixelcnn", { ...o, output: "logistic" }, [3, 3, 3]), [3, 3, 3]);
});

test("pixelcnn: Σ_x p(x) = 1 within 1e-4 over all 512 binary 3×3 images", () => {
  // float32 log-probabilities: each term carries ~1e-6 relative error, so the sum of 512 is good to ~1e-5
  for (const opts of [small, { ...small, block: "plain" }]) {
    const total = totalProbability(makePixel("pixelcnn", opts, [1, 3, 3]), 9, 2);
    assert.ok(Math.abs(total - 1) < 1e-4, `${JSON.stringify(opts)}: Σ p = ${total}`);
  }
});

test("pixelcnn: samples follow p(x): TV over the 16 images of a 2×2 model ≤ 0.015 with 10^5 samples", () => {
  // an exact sampler's expected TV here is about 0.005; sampling any value from the wrong conditional moves
  // probability mass by far more than 0.015
  const tv = samplingTV(makePixel("pixelcnn", { ...small, blocks: 1 }, [1, 2, 2], 3, 3), 4, 100000);
  assert.ok(tv < 0.015, `TV = ${tv}`);
});

test("pixelcnn: the windowed sampler draws exactly the full-image sampler's samples; completion keeps x_obs", () => {
  const m = makePixel("pixelcnn", { ...small, blocks: 1, firstKernel: 3 }, [1, 7, 4], 5, 3);
  assert.equal(m.receptiveRows(), 2);
  const a = m.sample(64, new Generator(4), { windowed: true }).toArray(),
    b = m.sample(64, new Generator(4), { naive: true }).toArray();
  assert.deepEqual(a, b);
  assert.ok(a.some((v) => v === 1) && a.some((v) => v === 0), "samples are not constant");
  const x = tensor(
    Array.from({ length: 2 * 28 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0)),
    [2, 28],
  );
  const observed = Uint8Array.from({ length: 28 }, (_, i) => (i < 14 ? 1 : 0));
  const c = m.complete(x, observed, new Generator(1), { windowed: true }).toArray();
  for (let r = 0; r < 2; r++) for (let i = 0; i < 14; i++) assert.equal(c[r * 28 + i], x.toArray()[r * 28 + i]);
});

test("pixelcnn: per-pixel log-likelihoods sum to log p(x) and follow raster order", () => {
  const m = makePixel("pixelcnn", { ...small, output: "softmax", levels: 4, features: 12, outputHidden: 6 }, [3, 2, 2]);
  const g = new Generator(3);
  const x = tensor(
    Float32Array.from(g.uniform01(2 * 12), (u) => Math.floor(u * 4) / 3),
    [2, 12],
  );
  const per = m.perPixelLogLikelihood(x),
    lp = m.logLikelihood(x, g).logp;
  for (let r = 0; r < 2; r++)
    assertClose(
      [per.subarray(r * 12, (r + 1) * 12).reduce((s, v) => s + v, 0)],
      [lp[r]!],
      { atol: 1e-4, rtol: 1e-6 },
      "Σ per-pixel",
    );
  // raster order: position (y=0, x=1, c=2) is entry (0·2 + 1)·3 + 2 = 5; channel-major index 2·4 + 1 = 9
  const full = m.logProbs(x).toArray();
  assertClose([per[5]!], [full[9]!], { atol: 1e-6, rtol: 0 }, "raster order");
});

test("pixelcnn: a residual block with fused ReLUs equals x + conv(ReLU(…conv(ReLU(x))))", () => {
  // the same weights in convolutions without the fused input ReLU, applied to explicitly rectified inputs; inputs
  // are normal (half of them negative), so a missing or misplaced ReLU changes the result by O(1); float32 tolerance
  for (const opts of [small, { ...small, block: "plain" }, { features: 12, blocks: 1, outputHidden: 6, levels: 4 }]) {
    const C = "levels" in opts ? 3 : 1;
    const model = makePixel("pixelcnn", { ...opts, output: C === 3 ? "softmax" : "bernoulli" }, [C, 4, 5]);
    const block = (model as unknown as { blocks: ResidualBlock[] }).blocks[0]!;
    const x = randn([2, block.convs[0]!.inChannels, 4, 5], { generator: new Generator(7) });
    const explicit = block.convs.reduce((h, c) => {
      const plain = new MaskedConv2d("B", c.inChannels, c.outChannels, c.kernel[0], { colorGroups: C });
      plain.loadStateDict(c.stateDict());
      return plain.forward(h.relu());
    }, x);
    assertClose(block.forward(x).data, x.add(explicit).data, { atol: 1e-5, rtol: 1e-5 }, `block C=${C}`);
  }
});
