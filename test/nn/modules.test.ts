/** nn modules: initialisation, forward semantics against hand computation, masks, norms, state dicts. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Generator,
  tensor,
  zeros,
  bernoulli,
  Linear,
  MaskedLinear,
  Conv2d,
  MaskedConv2d,
  ConvTranspose2d,
  BatchNorm2d,
  BatchNorm1d,
  LayerNorm,
  Embedding,
  Dropout,
  LSTMCell,
  Sequential,
  Lambda,
  conv2d,
  type Tensor,
} from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";

const tol = { atol: 1e-5, rtol: 1e-4 };
const rnd = (g: Generator, shape: number[], low = -1, high = 1) =>
  randomTensor(g, shape, { dtype: "float32", grad: false, low, high });

test("Linear: PyTorch's default init bound 1/√in, y = x Wᵀ + b", () => {
  const g = new Generator(1);
  const l = new Linear(50, 7, { generator: g });
  const bound = 1 / Math.sqrt(50);
  assert.ok(
    l.weight.toArray().every((v) => Math.abs(v) <= bound) && l.bias!.toArray().every((v) => Math.abs(v) <= bound),
  );
  assert.ok(Math.max(...l.weight.toArray().map(Math.abs)) > 0.8 * bound, "uses the full range");
  const x = rnd(g, [3, 50]);
  const w = l.weight.toArray(),
    b = l.bias!.toArray(),
    xs = x.toArray();
  const want = Array.from({ length: 21 }, (_, k) => {
    const i = Math.floor(k / 7),
      j = k % 7;
    let s = b[j]!;
    for (let p = 0; p < 50; p++) s += xs[i * 50 + p]! * w[j * 50 + p]!;
    return s;
  });
  assertClose(l.forward(x).toArray(), want, tol, "forward");
  assert.equal(l.parameterCount(), 50 * 7 + 7);
});

test("MaskedLinear: masked weights get exactly zero gradient; the weights themselves are never changed", () => {
  const g = new Generator(2);
  const mask = tensor([1, 0, 1, 0, 1, 1], [2, 3]);
  const l = new MaskedLinear(3, 2, mask, { generator: g });
  const before = l.weight.toArray();
  l.forward(rnd(g, [4, 3]))
    .sum()
    .backward();
  const gw = l.weight.grad!.toArray();
  assert.ok(gw[1] === 0 && gw[3] === 0, `masked gradients ${gw[1]}, ${gw[3]}`);
  assert.ok(gw[0] !== 0 && gw[2] !== 0);
  assert.deepEqual(l.weight.toArray(), before);
});

test("Conv2d equals the conv2d op; ConvTranspose2d doubles the size with stride 2", () => {
  const g = new Generator(3);
  const c = new Conv2d(2, 3, 3, { padding: 1, generator: g });
  const x = rnd(g, [2, 2, 5, 5]);
  assertClose(c.forward(x).toArray(), conv2d(x, c.weight, c.bias, { padding: 1 }).toArray(), tol, "conv");
  const t = new ConvTranspose2d(4, 2, 4, { stride: 2, padding: 1, generator: g });
  assert.deepEqual(t.forward(rnd(g, [1, 4, 7, 7])).shape, [1, 2, 14, 14]);
});

/** Positions (channel, y, x) of the input whose gradient reaches output (o, r, c). */
function receptiveField(
  layer: { forward(x: Tensor): Tensor },
  inShape: number[],
  o: number,
  r: number,
  c: number,
): Set<string> {
  const x = zeros(inShape).add(0.5).detach().requireGrad();
  const y = layer.forward(x);
  const sel = zeros(y.shape as number[]);
  sel.data[((0 * y.shape[1]! + o) * y.shape[2]! + r) * y.shape[3]! + c] = 1;
  y.mul(sel).sum().backward();
  const gx = x.grad!.toArray(),
    out = new Set<string>();
  const [, C, H, W] = inShape as [number, number, number, number];
  gx.forEach((v, i) => {
    if (v !== 0) out.add(`${Math.floor(i / (H * W)) % C},${Math.floor(i / W) % H},${i % W}`);
  });
  return out;
}

test("MaskedConv2d: the autoregressive dependency test for masks A and B, with R→G→B colour groups", () => {
  const g = new Generator(4);
  for (const type of ["A", "B"] as const) {
    const m = new MaskedConv2d(type, 1, 4, 5, { generator: g });
    m.weight.data.forEach((_, i) => (m.weight.data[i] = 1 + (i % 3))); // no accidental zeros
    const seen = receptiveField(m, [1, 1, 6, 6], 0, 3, 3);
    for (let y = 0; y < 6; y++)
      for (let x = 0; x < 6; x++) {
        const later = y > 3 || (y === 3 && x > 3),
          self = y === 3 && x === 3;
        if (later || (self && type === "A"))
          assert.ok(!seen.has(`0,${y},${x}`), `mask ${type}: output (3,3) must not see input (${y},${x})`);
      }
    assert.equal(seen.has("0,3,3"), type === "B", `mask ${type} ${type === "B" ? "sees" : "hides"} the centre`);
    assert.ok(seen.has("0,1,1") && seen.has("0,3,2"), "earlier pixels are visible");
  }
  // colours: with 3 groups and mask A, output group R sees no channel of the centre; G sees R; B sees R and G
  const rgb = new MaskedConv2d("A", 3, 3, 3, { colorGroups: 3, generator: g });
  rgb.weight.data.fill(1);
  const centre = (o: number) => [0, 1, 2].filter((ch) => receptiveField(rgb, [1, 3, 4, 4], o, 2, 2).has(`${ch},2,2`));
  assert.deepEqual([centre(0), centre(1), centre(2)], [[], [0], [0, 1]]);
  const rgbB = new MaskedConv2d("B", 3, 3, 3, { colorGroups: 3, generator: g });
  rgbB.weight.data.fill(1);
  const centreB = (o: number) => [0, 1, 2].filter((ch) => receptiveField(rgbB, [1, 3, 4, 4], o, 2, 2).has(`${ch},2,2`));
  assert.deepEqual([centreB(0), centreB(1), centreB(2)], [[0], [0, 1], [0, 1, 2]]);
});

test("BatchNorm: batch statistics in training (running estimates updated), running estimates in eval", () => {
  const g = new Generator(5);
  const bn = new BatchNorm2d(3);
  const x = rnd(g, [4, 3, 5, 5], 1, 5);
  const y = bn.forward(x);
  const ys = y.toArray();
  for (let c = 0; c < 3; c++) {
    const v: number[] = [];
    for (let n = 0; n < 4; n++) for (let i = 0; i < 25; i++) v.push(ys[(n * 3 + c) * 25 + i]!);
    const m = v.reduce((a, b) => a + b) / v.length,
      s = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
    assertClose([m, s], [0, 1], { atol: 1e-3, rtol: 1e-3 }, `channel ${c}`);
  }
  const xs = x.toArray(),
    ch0: number[] = [];
  for (let n = 0; n < 4; n++) for (let i = 0; i < 25; i++) ch0.push(xs[n * 75 + i]!);
  const m0 = ch0.reduce((a, b) => a + b) / 100,
    v0 = ch0.reduce((a, b) => a + (b - m0) ** 2, 0) / 99;
  assertClose(
    [bn.runningMean.toArray()[0]!, bn.runningVar.toArray()[0]!],
    [0.1 * m0, 0.9 + 0.1 * v0],
    tol,
    "running estimates (unbiased variance)",
  );
  bn.eval();
  const e = bn.forward(x).toArray();
  assertClose([e[0]!], [(xs[0]! - 0.1 * m0) / Math.sqrt(0.9 + 0.1 * v0 + 1e-5)], tol, "eval uses running estimates");
  assert.throws(() => new BatchNorm1d(4).forward(zeros([1, 4])), /more than one value per channel/);
});

test("LayerNorm, Embedding, Dropout", () => {
  const g = new Generator(6);
  const ln = new LayerNorm([8]);
  const y = ln.forward(rnd(g, [3, 8], -3, 3)).toArray();
  for (let r = 0; r < 3; r++) {
    const row = y.slice(r * 8, r * 8 + 8),
      m = row.reduce((a, b) => a + b) / 8;
    assertClose([m, row.reduce((a, b) => a + (b - m) ** 2, 0) / 8], [0, 1], { atol: 1e-3, rtol: 1e-3 }, `row ${r}`);
  }
  const emb = new Embedding(10, 4, { generator: g });
  const e = emb.forward([3, 3, 7]);
  assert.deepEqual(e.toArray().slice(0, 4), emb.weight.toArray().slice(12, 16));
  e.sum().backward();
  assert.deepEqual(emb.weight.grad!.toArray().slice(12, 16), [2, 2, 2, 2]);
  const drop = new Dropout(0.25, g);
  const ones = zeros([40000]).add(1);
  const d = drop.forward(ones).toArray();
  const zeroFrac = d.filter((v) => v === 0).length / d.length;
  assert.ok(Math.abs(zeroFrac - 0.25) < 0.01, `dropped ${zeroFrac}`);
  assert.ok(d.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
  drop.eval();
  assert.equal(drop.forward(ones), ones);
  // on random values, with a scale 1/(1 − p) that float32 cannot hold exactly, the output and the gradient equal
  // x · mask · (1/(1 − p)) built from a 0/1 mask of the same draws, value for value
  for (const p of [0.3, 0.77]) {
    const x = rnd(g, [3001], -4, 4).requireGrad(),
      drop2 = new Dropout(p, new Generator(11));
    const y = drop2.forward(x);
    const mask = bernoulli(1 - p, [3001], { generator: new Generator(11) });
    const want = x
      .detach()
      .mul(mask)
      .mul(1 / (1 - p));
    assertClose(y.toArray(), want.toArray(), { atol: 0, rtol: 0 }, `dropout ${p}`);
    y.mul(rnd(g, [3001]))
      .sum()
      .backward();
    const gx = x.grad!.toArray(),
      m = mask.toArray();
    assert.ok(
      gx.every((v, i) => (m[i] === 0) === (v === 0)),
      "gradient zero exactly where dropped",
    );
  }
});

test("LSTMCell follows the gate equations (i, f, g, o order)", () => {
  const g = new Generator(7);
  const cell = new LSTMCell(3, 2, { generator: g });
  const x = rnd(g, [1, 3]),
    h = rnd(g, [1, 2]),
    c = rnd(g, [1, 2]);
  const out = cell.forward(x, { h, c });
  const W = cell.weightIh.toArray(),
    U = cell.weightHh.toArray(),
    bi = cell.biasIh.toArray(),
    bh = cell.biasHh.toArray();
  const xs = x.toArray(),
    hs = h.toArray(),
    cs = c.toArray();
  const gate = (k: number) => {
    let s = bi[k]! + bh[k]!;
    for (let p = 0; p < 3; p++) s += W[k * 3 + p]! * xs[p]!;
    for (let p = 0; p < 2; p++) s += U[k * 2 + p]! * hs[p]!;
    return s;
  };
  const sg = (v: number) => 1 / (1 + Math.exp(-v));
  const c2 = [0, 1].map((j) => sg(gate(2 + j)) * cs[j]! + sg(gate(j)) * Math.tanh(gate(4 + j)));
  const h2 = [0, 1].map((j) => sg(gate(6 + j)) * Math.tanh(c2[j]!));
  assertClose(out.c.toArray(), c2, tol, "c'");
  assertClose(out.h.toArray(), h2, tol, "h'");
});

test("state dicts round-trip parameters and buffers; mismatches change nothing", () => {
  const g = new Generator(8);
  const make = () =>
    new Sequential(new Linear(4, 3, { generator: g }), new Lambda((t) => t.relu()), new BatchNorm1d(3));
  const a = make(),
    b = make();
  a.forward(rnd(g, [5, 4])); // moves a's running statistics
  b.loadStateDict(a.stateDict());
  assert.deepEqual(
    [...b.stateDict().keys()],
    ["0.weight", "0.bias", "2.weight", "2.bias", "2.runningMean", "2.runningVar"],
  );
  for (const [k, t] of a.stateDict()) assert.deepEqual(b.stateDict().get(k)!.toArray(), t.toArray(), k);
  const c = make(),
    before = c.stateDict().get("0.weight")!.toArray();
  const bad = new Map(a.stateDict());
  bad.set("0.weight", zeros([3, 5]));
  assert.throws(() => c.loadStateDict(bad), /0\.weight has shape \[3,5\], the model expects \[3,4\]/);
  assert.deepEqual(c.stateDict().get("0.weight")!.toArray(), before);
  bad.delete("0.weight");
  assert.throws(() => c.loadStateDict(bad), /missing 0\.weight/);
});
