/**
 * The PixelRNN layers on the fused LSTM recurrence compute what the per-step formulation they replaced computed
 * (the cell's equations step by step with LSTMCell's own tensors), with the same parameter names and shapes, so
 * checkpoints written before the fused op load and give the same model. Random inputs and weights, one and three
 * colour groups; float32 on the active backend, tolerance 2e-5 absolute + 1e-4 relative (one GEMM summation order
 * against another over ≤ 4 steps).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, concat, linear, stack, type Tensor } from "../../src/index.js";
import type { LSTMCell } from "../../src/nn/layers.js";
import { flipWidth, shiftDown } from "../../src/models/pixel/layers.js";
import { DiagonalBiLSTMLayer, RowLSTMLayer, skew, unskew } from "../../src/models/pixel/rnn-layers.js";
import { assertClose, randomTensor } from "../helpers.js";

type State = { h: Tensor; c: Tensor };
const tol = { atol: 2e-5, rtol: 1e-4 };

/** One step of the cell on x = [input-to-state features, neighbour states], input weights masked by colour group. */
function step(cell: LSTMCell, mask: Tensor | null, x: Tensor, state: State | undefined): State {
  const H = cell.hiddenSize,
    n = x.shape[0]!;
  const w = mask ? cell.weightIh.mul(mask) : cell.weightIh;
  const hPrev = state?.h ?? x.slice(1, 0, H).mul(0);
  const gates = linear(x, w, cell.biasIh).add(linear(hPrev, cell.weightHh, cell.biasHh));
  const i = gates.slice(1, 0, H).sigmoid(),
    f = gates.slice(1, H, 2 * H).sigmoid(),
    g = gates.slice(1, 2 * H, 3 * H).tanh(),
    o = gates.slice(1, 3 * H).sigmoid();
  const c = state ? f.mul(state.c).add(i.mul(g)) : i.mul(g);
  assert.equal(c.shape[0], n);
  return { h: o.mul(c.tanh()), c };
}

/** [B, N, h] shifted along axis 1: entry n holds entry n − 1 (by = 1, zeros first) or n + 1 (by = −1). */
const shift = (t: Tensor, by: 1 | -1): Tensor =>
  by === 1
    ? t
        .pad([
          [1, 0],
          [0, 0],
        ])
        .slice(1, 0, t.shape[1]!)
    : t
        .pad([
          [0, 1],
          [0, 0],
        ])
        .slice(1, 1);

function rowUnfused(layer: RowLSTMLayer, x: Tensor): Tensor {
  const [B, , H, W] = x.shape as [number, number, number, number];
  const h = layer.cell.hiddenSize;
  const is = layer.inputToState.forward(x).permute(0, 2, 3, 1); // [B, H, W, h]
  const rows: Tensor[] = [];
  let state: State | undefined;
  for (let r = 0; r < H; r++) {
    const above = state ? state.h.reshape(B, W, h) : is.slice(1, 0, 1).reshape(B, W, h).mul(0);
    const input = concat([is.slice(1, r, r + 1).reshape(B, W, h), shift(above, 1), shift(above, -1)], 2);
    state = step(layer.cell, layer.mask, input.reshape(B * W, 3 * h), state);
    rows.push(state.h.reshape(B, W, h));
  }
  return x.add(layer.out.forward(stack(rows, 1).permute(0, 3, 1, 2)));
}

function diagonalScanUnfused(layer: DiagonalBiLSTMLayer, is: Tensor, cell: LSTMCell): Tensor {
  const [B, h, H, W] = is.shape as [number, number, number, number];
  const s = skew(is).permute(0, 3, 2, 1); // [B, L, H, h]
  const cols: Tensor[] = [];
  let state: State | undefined;
  for (let c = 0; c < W + H - 1; c++) {
    const col = s.slice(1, c, c + 1).reshape(B, H, h);
    const up = state ? shift(state.h.reshape(B, H, h), 1) : col.mul(0);
    state = step(cell, layer.mask, concat([col, up], 2).reshape(B * H, 2 * h), state);
    cols.push(state.h.reshape(B, H, h));
  }
  return unskew(stack(cols, 3).permute(0, 2, 1, 3), W);
}

function diagonalUnfused(layer: DiagonalBiLSTMLayer, x: Tensor): Tensor {
  const is = layer.inputToState.forward(x);
  const right = diagonalScanUnfused(layer, is, layer.forwardCell);
  const left = flipWidth(diagonalScanUnfused(layer, flipWidth(is), layer.backwardCell));
  return x.add(layer.out.forward(right.add(shiftDown(left))));
}

/** Output and every gradient (input and parameters) of Σ w ⊙ f(x) for random w. */
function outputsAndGrads(layer: RowLSTMLayer | DiagonalBiLSTMLayer, f: (x: Tensor) => Tensor, x0: Tensor): number[][] {
  const x = x0.detach().requireGrad();
  for (const p of layer.parameters()) p.grad = null;
  const y = f(x);
  const w = randomTensor(new Generator(7), [...y.shape], { dtype: "float32", grad: false });
  y.mul(w).sum().backward();
  return [y.toArray(), x.grad!.toArray(), ...layer.parameters().map((p) => p.grad!.toArray())];
}

const cases = [
  { name: "row-lstm", C: 1, make: (g: Generator) => new RowLSTMLayer(6, 5, 3, 1, g) },
  { name: "row-lstm rgb", C: 3, make: (g: Generator) => new RowLSTMLayer(12, 6, 3, 3, g) },
  { name: "diagonal-bilstm", C: 1, make: (g: Generator) => new DiagonalBiLSTMLayer(6, 5, 1, g) },
  { name: "diagonal-bilstm rgb", C: 3, make: (g: Generator) => new DiagonalBiLSTMLayer(12, 6, 3, g) },
];

for (const c of cases)
  test(`${c.name}: the fused layer equals the per-step cell formulation (forward and every gradient)`, () => {
    const layer = c.make(new Generator(3));
    const x = randomTensor(new Generator(4), [2, layer.out.weight.shape[0]!, 4, 5], { dtype: "float32" });
    const unfused =
      layer instanceof RowLSTMLayer
        ? (t: Tensor) => rowUnfused(layer, t)
        : (t: Tensor) => diagonalUnfused(layer as DiagonalBiLSTMLayer, t);
    const a = outputsAndGrads(layer, (t) => layer.forward(t), x),
      b = outputsAndGrads(layer, unfused, x);
    a.forEach((v, k) => assertClose(v, b[k]!, tol, `${c.name}: ${k === 0 ? "output" : `gradient ${k}`}`));
  });

test("the recurrent layers keep their checkpoint names and shapes", () => {
  const g = new Generator(1);
  const shapes = (m: RowLSTMLayer | DiagonalBiLSTMLayer) => m.namedParameters().map(([n, p]) => `${n} ${p.shape}`);
  const conv = (name: string, o: number, i: number, kh: number, kw: number) => [
    `${name}.weight ${o},${i},${kh},${kw}`,
    `${name}.bias ${o}`,
  ];
  const cell = (name: string, inputs: number, h: number) =>
    [`weightIh ${4 * h},${inputs}`, `weightHh ${4 * h},${h}`, `biasIh ${4 * h}`, `biasHh ${4 * h}`].map(
      (s) => `${name}.${s}`,
    );
  assert.deepEqual(
    shapes(new RowLSTMLayer(8, 4, 3, 1, g)).sort(),
    [...conv("inputToState", 4, 8, 1, 3), ...cell("cell", 12, 4), ...conv("out", 8, 4, 1, 1)].sort(),
  );
  assert.deepEqual(
    shapes(new DiagonalBiLSTMLayer(8, 4, 1, g)).sort(),
    [
      ...conv("inputToState", 4, 8, 1, 1),
      ...cell("forwardCell", 8, 4),
      ...cell("backwardCell", 8, 4),
      ...conv("out", 8, 4, 1, 1),
    ].sort(),
  );
});
