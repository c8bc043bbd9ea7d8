/**
 * Spectral normalisation: σ against the closed form of a two-row matrix, the forward pass against conv2d with W/σ,
 * the weight's gradient against float64 finite differences of a hand-computed loss, and u kept in eval mode.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, SpectralConv2d, conv2d, tensor } from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";

/** The largest singular value of a [2, cols] matrix: √ of the larger eigenvalue of its 2 × 2 Gram matrix. */
function topSingular2(w: ArrayLike<number>, cols: number): number {
  let a = 0,
    b = 0,
    c = 0;
  for (let j = 0; j < cols; j++) {
    a += w[j]! ** 2;
    b += w[j]! * w[cols + j]!;
    c += w[cols + j]! ** 2;
  }
  return Math.sqrt((a + c) / 2 + Math.sqrt(((a - c) / 2) ** 2 + b * b));
}

/** Σ r ⊙ conv(x, W / σ(W)) + bias terms, float64 by hand: x [1, 1, 3, 3], W [2, 1, 2, 2], no padding, stride 1. */
function handLoss(w: number[], bias: number[], x: number[], r: number[]): number {
  const sigma = topSingular2(w, 4);
  let s = 0;
  for (let o = 0; o < 2; o++)
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        let v = bias[o]!;
        for (let p = 0; p < 2; p++)
          for (let q = 0; q < 2; q++) v += (w[o * 4 + p * 2 + q]! / sigma) * x[(i + p) * 3 + j + q]!;
        s += r[o * 4 + i * 2 + j]! * v;
      }
  return s;
}

test("SpectralConv2d: σ converges to the top singular value (closed form, two rows) and stays in eval", () => {
  const g = new Generator(11);
  const conv = new SpectralConv2d(3, 2, 2, { generator: g }); // W₂ is [2, 12]
  const x = randomTensor(g, [2, 3, 5, 5], { dtype: "float32", grad: false });
  const exact = topSingular2(conv.weight.toArray(), 12);
  for (let i = 0; i < 50; i++) conv.forward(x);
  const rel = Math.abs(conv.sigma() - exact) / exact;
  assert.ok(rel < 1e-5, `σ after 50 training passes ${conv.sigma()} against ${exact} (relative ${rel}, tol 1e-5)`);
  // a random weight has a σ well away from 1, so dividing by it shows
  assert.ok(Math.abs(exact - 1) > 0.05, `σ = ${exact} too close to 1 for the test to tell`);
  // a changed weight moves the power iteration's fixed point: eval must not follow it, training must
  const u = conv.u.toArray();
  const w = Float32Array.from(conv.weight.toArray(), (v, i) => v * (1 + 0.3 * Math.sin(i)));
  conv.weight.data.set(w);
  conv.eval();
  conv.forward(x);
  assert.deepEqual(conv.u.toArray(), u, "eval mode leaves u alone");
  conv.train();
  conv.forward(x);
  assert.notDeepEqual(conv.u.toArray(), u, "training mode moves u after the weight changes");
});

test("SpectralConv2d: forward equals conv2d with W / σ; bias untouched", () => {
  const g = new Generator(12);
  const conv = new SpectralConv2d(4, 6, 3, { padding: 1, stride: 2, generator: g });
  const x = randomTensor(g, [2, 4, 7, 7], { dtype: "float32", grad: false });
  for (let i = 0; i < 100; i++) conv.forward(x);
  conv.eval();
  const sigma = conv.sigma();
  const scaled = tensor(
    Float32Array.from(conv.weight.toArray(), (v) => v / sigma),
    conv.weight.shape,
  );
  const want = conv2d(x, scaled, conv.bias, { padding: 1, stride: 2 });
  assertClose(conv.forward(x).toArray(), want.toArray(), { atol: 1e-5, rtol: 1e-4 }, "spectral conv");
});

test("SpectralConv2d: weight gradient against float64 finite differences (σ's own gradient included)", () => {
  const g = new Generator(13);
  const conv = new SpectralConv2d(1, 2, 2, { generator: g });
  const x = randomTensor(g, [1, 1, 3, 3], { dtype: "float32", grad: false });
  const r = randomTensor(g, [1, 2, 2, 2], { dtype: "float32", grad: false });
  for (let i = 0; i < 200; i++) conv.forward(x); // u converged: the u, v held constant are the singular vectors
  conv.zeroGrad();
  conv.forward(x).mul(r).sum().backward();
  const grad = conv.weight.grad!.toArray();
  const w = conv.weight.toArray(),
    bias = conv.bias!.toArray(),
    xs = x.toArray(),
    rs = r.toArray();
  const h = 1e-6;
  const fd = w.map((_, k) => {
    const plus = [...w],
      minus = [...w];
    plus[k]! += h;
    minus[k]! -= h;
    return (handLoss(plus, bias, xs, rs) - handLoss(minus, bias, xs, rs)) / (2 * h);
  });
  assertClose(grad, fd, { atol: 1e-4, rtol: 1e-3 }, "∂L/∂W");
  // without σ's gradient the result would be ∂L/∂W_eff / σ alone; the test must tell the two apart
  const sigma = topSingular2(w, 4);
  let gap = 0;
  for (let k = 0; k < 8; k++) {
    const o = Math.floor(k / 4),
      p = Math.floor((k % 4) / 2),
      q = k % 2;
    let d = 0;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) d += rs[o * 4 + i * 2 + j]! * xs[(i + p) * 3 + j + q]!;
    gap = Math.max(gap, Math.abs(d / sigma - fd[k]!));
  }
  assert.ok(gap > 1e-2, `σ's gradient term too small (${gap}) for the check to matter`);
});
