/**
 * The two recurrent layers of PixelRNN [1], built on LSTMCell. In both, the cell's input-to-hidden weights take the
 * input-to-state features together with the neighbouring states of the previous step, and its hidden-to-hidden
 * weights take the state at the same position: together they are the paper's state-to-state convolution.
 *  - Row LSTM: rows top to bottom; input-to-state is a mask-B 1×k convolution of the row, state-to-state a width-3
 *    convolution of the row above (columns j − 1, j, j + 1), so the context is a triangle above the pixel.
 *  - Diagonal BiLSTM: the map is skewed (row r moved r columns right) so each diagonal becomes a column; columns
 *    left to right, input-to-state a mask-B 1×1 convolution, state-to-state a 2×1 convolution over the previous
 *    column (the pixel to the left and the one above). A second LSTM runs on the mirrored map; its output is shifted
 *    down a row before the two are added, so it brings the whole row above without seeing the current row's future.
 * Both are residual: the h-unit output goes back to 2h features through a 1×1 convolution and is added to the input.
 * For colour images every feature belongs to an R, G or B group; the convolutions are masked by group and the cells'
 * input weights too, so a unit of group g never reads the current pixel's channels ≥ g.
 * [1]: van den Oord, Kalchbrenner, Kavukcuoglu (2016), Pixel Recurrent Neural Networks,
 *     https://arxiv.org/abs/1601.06759
 */
import { MaskedConv2d } from "../../nn/conv.js";
import { LSTMCell } from "../../nn/layers.js";
import { Module } from "../../nn/module.js";
import { linear } from "../../ops/linalg.js";
import { concat, stack } from "../../ops/movement.js";
import { tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { flipWidth, shiftDown } from "./layers.js";

type State = { h: Tensor; c: Tensor };

/** A cell's parameters as the cached sampler reads them: input weights with the colour mask applied. */
function lstmWeightsOf(cell: LSTMCell, mask: Tensor | null) {
  const { weightIh, weightHh, biasIh, biasHh } = cell;
  return { weightIh: mask ? weightIh.mul(mask) : weightIh, weightHh, biasIh, biasHh };
}

/**
 * For C colour groups: the mask of a cell's input weights [4h, inputSize] whose first h inputs are the current
 * pixel's input-to-state features. Unit u of every gate belongs to group ⌊u·C/h⌋ and may read those features only
 * from groups ≤ its own; the other inputs (states of earlier pixels) are open to all. Null for one channel.
 */
function colourMask(C: number, hidden: number, inputSize: number): Tensor | null {
  if (C === 1) return null;
  const m = new Float32Array(4 * hidden * inputSize).fill(1);
  const group = (v: number): number => Math.floor((v * C) / hidden);
  for (let row = 0; row < 4 * hidden; row++)
    for (let v = 0; v < hidden; v++) if (group(v) > group(row % hidden)) m[row * inputSize + v] = 0;
  return tensor(m, [4 * hidden, inputSize]);
}

/**
 * One LSTMCell step; with a colour mask, the cell's own equations and parameters with its input weights masked
 * (as MaskedConv2d masks a convolution's weights inside the graph).
 */
function step(cell: LSTMCell, mask: Tensor | null, x: Tensor, state: State | undefined): State {
  if (!mask) return cell.forward(x, state);
  const H = cell.hiddenSize;
  let gates = linear(x, cell.weightIh.mul(mask), cell.biasIh);
  if (state) gates = gates.add(linear(state.h, cell.weightHh, cell.biasHh));
  else gates = gates.add(cell.biasHh);
  const i = gates.slice(1, 0, H).sigmoid(),
    f = gates.slice(1, H, 2 * H).sigmoid();
  const g = gates.slice(1, 2 * H, 3 * H).tanh(),
    o = gates.slice(1, 3 * H).sigmoid();
  const c = state ? f.mul(state.c).add(i.mul(g)) : i.mul(g);
  return { h: o.mul(c.tanh()), c };
}

/** [B, F, H, W] → [B, F, H, W + H − 1] with row r moved r columns right: column j + r holds pixel (r, j). */
export function skew(x: Tensor): Tensor {
  const [B, F, H, W] = x.shape as [number, number, number, number];
  return x
    .pad([
      [0, 0],
      [0, H],
    ])
    .reshape(B, F, H * (W + H))
    .slice(2, 0, H * (W + H - 1))
    .reshape(B, F, H, W + H - 1);
}

/** The inverse of `skew` for an image of width W. */
export function unskew(x: Tensor, W: number): Tensor {
  const [B, F, H, L] = x.shape as [number, number, number, number];
  return x
    .reshape(B, F, H * L)
    .pad([[0, H]])
    .reshape(B, F, H, L + 1)
    .slice(3, 0, W);
}

/** [B, N, h] → the same with entry n holding entry n − 1 (zeros first): the neighbour before along axis 1. */
const before = (t: Tensor): Tensor =>
  t
    .pad([
      [1, 0],
      [0, 0],
    ])
    .slice(1, 0, t.shape[1]!);
/** The neighbour after along axis 1 (zeros last). */
const after = (t: Tensor): Tensor =>
  t
    .pad([
      [0, 1],
      [0, 0],
    ])
    .slice(1, 1);

export class RowLSTMLayer extends Module {
  readonly inputToState: MaskedConv2d;
  readonly cell: LSTMCell;
  readonly out: MaskedConv2d;
  readonly mask: Tensor | null;

  constructor(features: number, hidden: number, kernel: number, C: number, generator: Generator) {
    super();
    const o = { colorGroups: C, generator };
    this.inputToState = this.registerModule("inputToState", new MaskedConv2d("B", features, hidden, [1, kernel], o));
    // cell input: the row's input-to-state features and the states above-left and above-right
    this.cell = this.registerModule("cell", new LSTMCell(3 * hidden, hidden, { generator }));
    this.out = this.registerModule("out", new MaskedConv2d("B", hidden, features, 1, o));
    this.mask = colourMask(C, hidden, 3 * hidden);
  }

  lstmWeights() {
    return lstmWeightsOf(this.cell, this.mask);
  }

  forward(x: Tensor): Tensor {
    const [B, , H, W] = x.shape as [number, number, number, number];
    const h = this.cell.hiddenSize;
    const is = this.inputToState.forward(x).permute(0, 2, 3, 1); // [B, H, W, h]
    const rows: Tensor[] = [];
    let state: State | undefined;
    for (let r = 0; r < H; r++) {
      const above = state ? state.h.reshape(B, W, h) : is.slice(1, 0, 1).reshape(B, W, h).mul(0);
      const input = concat([is.slice(1, r, r + 1).reshape(B, W, h), before(above), after(above)], 2);
      state = step(this.cell, this.mask, input.reshape(B * W, 3 * h), state);
      rows.push(state.h.reshape(B, W, h));
    }
    return x.add(this.out.forward(stack(rows, 1).permute(0, 3, 1, 2)));
  }
}

export class DiagonalBiLSTMLayer extends Module {
  readonly inputToState: MaskedConv2d;
  readonly forwardCell: LSTMCell;
  readonly backwardCell: LSTMCell;
  readonly out: MaskedConv2d;
  readonly mask: Tensor | null;

  constructor(features: number, hidden: number, C: number, generator: Generator) {
    super();
    const o = { colorGroups: C, generator };
    this.inputToState = this.registerModule("inputToState", new MaskedConv2d("B", features, hidden, 1, o));
    // cell input: the diagonal's input-to-state features and the state of the pixel above (the previous column,
    // one row up); the hidden-to-hidden weights take the pixel to the left (the previous column, same row)
    this.forwardCell = this.registerModule("forwardCell", new LSTMCell(2 * hidden, hidden, { generator }));
    this.backwardCell = this.registerModule("backwardCell", new LSTMCell(2 * hidden, hidden, { generator }));
    this.out = this.registerModule("out", new MaskedConv2d("B", hidden, features, 1, o));
    this.mask = colourMask(C, hidden, 2 * hidden);
  }

  lstmWeights(direction: "forward" | "backward") {
    return lstmWeightsOf(direction === "forward" ? this.forwardCell : this.backwardCell, this.mask);
  }

  /** One direction over the skewed map: [B, h, H, W] → [B, h, H, W]. */
  private scan(is: Tensor, cell: LSTMCell): Tensor {
    const [B, h, H, W] = is.shape as [number, number, number, number];
    const s = skew(is).permute(0, 3, 2, 1); // [B, L, H, h]
    const L = W + H - 1,
      cols: Tensor[] = [];
    let state: State | undefined;
    for (let c = 0; c < L; c++) {
      const col = s.slice(1, c, c + 1).reshape(B, H, h);
      const up = state ? before(state.h.reshape(B, H, h)) : col.mul(0);
      state = step(cell, this.mask, concat([col, up], 2).reshape(B * H, 2 * h), state);
      cols.push(state.h.reshape(B, H, h));
    }
    return unskew(stack(cols, 3).permute(0, 2, 1, 3), W);
  }

  forward(x: Tensor): Tensor {
    const is = this.inputToState.forward(x);
    const right = this.scan(is, this.forwardCell);
    const left = flipWidth(this.scan(flipWidth(is), this.backwardCell));
    return x.add(this.out.forward(right.add(shiftDown(left))));
  }
}
