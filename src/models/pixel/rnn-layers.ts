/**
 * The two recurrent layers of PixelRNN [1], built on LSTMCell. In both, the cell's input-to-hidden weights take the
 * input-to-state features together with the neighbouring states of the previous step, and its hidden-to-hidden
 * weights take the state at the same position: together they are the paper's state-to-state convolution.
 *  - Row LSTM: rows top to bottom; input-to-state is a mask-B 1×k convolution of the row, state-to-state a width-3
 *    convolution of the row above (columns j − 1, j, j + 1), so the context is a triangle above the pixel.
 *  - Diagonal BiLSTM: the map is skewed (row r moved r columns right) so each diagonal becomes a column; columns
 *    left to right, input-to-state a mask-B 1×1 convolution, state-to-state a 2×1 convolution over the previous column
 *    (the pixel to the left and the one above). A second LSTM runs on the mirrored map; its output is shifted down a
 *    row before the two are added, so it brings the whole row above without seeing the current row's future.
 * Both are residual: the h-unit output goes back to 2h features through a 1×1 convolution and is added to the input.
 * [1]: van den Oord, Kalchbrenner, Kavukcuoglu (2016), Pixel Recurrent Neural Networks, https://arxiv.org/abs/1601.06759
 */
import { Conv2d, MaskedConv2d } from "../../nn/conv.js";
import { LSTMCell } from "../../nn/layers.js";
import { Module } from "../../nn/module.js";
import { concat, stack } from "../../ops/movement.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { flipWidth, shiftDown } from "./layers.js";

type State = { h: Tensor; c: Tensor };

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
  readonly out: Conv2d;

  constructor(features: number, hidden: number, kernel: number, generator: Generator) {
    super();
    this.inputToState = this.registerModule(
      "inputToState",
      new MaskedConv2d("B", features, hidden, [1, kernel], { generator }),
    );
    // cell input: the row's input-to-state features and the states above-left and above-right
    this.cell = this.registerModule("cell", new LSTMCell(3 * hidden, hidden, { generator }));
    this.out = this.registerModule("out", new Conv2d(hidden, features, 1, { generator }));
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
      state = this.cell.forward(input.reshape(B * W, 3 * h), state);
      rows.push(state.h.reshape(B, W, h));
    }
    return x.add(this.out.forward(stack(rows, 1).permute(0, 3, 1, 2)));
  }
}

export class DiagonalBiLSTMLayer extends Module {
  readonly inputToState: MaskedConv2d;
  readonly forwardCell: LSTMCell;
  readonly backwardCell: LSTMCell;
  readonly out: Conv2d;

  constructor(features: number, hidden: number, generator: Generator) {
    super();
    this.inputToState = this.registerModule("inputToState", new MaskedConv2d("B", features, hidden, 1, { generator }));
    // cell input: the diagonal's input-to-state features and the state of the pixel above (the previous column,
    // one row up); the hidden-to-hidden weights take the pixel to the left (the previous column, same row)
    this.forwardCell = this.registerModule("forwardCell", new LSTMCell(2 * hidden, hidden, { generator }));
    this.backwardCell = this.registerModule("backwardCell", new LSTMCell(2 * hidden, hidden, { generator }));
    this.out = this.registerModule("out", new Conv2d(hidden, features, 1, { generator }));
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
      state = cell.forward(concat([col, up], 2).reshape(B * H, 2 * h), state);
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
