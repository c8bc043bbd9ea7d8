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
import { lstmScan } from "../../fused/lstm-scan/index.js";
import { MaskedConv2d } from "../../nn/conv.js";
import { LSTMCell } from "../../nn/layers.js";
import { Module } from "../../nn/module.js";
import { conv2d } from "../../ops/linalg.js";
import { stack } from "../../ops/movement.js";
import { tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { flipWidth, shiftDown } from "./layers.js";

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
 * The cell's gates from the input-to-state features of every pixel at once: a 1×1 convolution of the feature map
 * [B, h, ·, ·] (the cell's first h inputs) with the (colour-masked) first h columns of its input weights, plus both
 * biases → [B, 4h, ·, ·]. One GEMM per image instead of one per step.
 */
function inputGates(cell: LSTMCell, mask: Tensor | null, features: Tensor): Tensor {
  const h = cell.hiddenSize;
  let w = cell.weightIh.slice(1, 0, h);
  if (mask) w = w.mul(mask.slice(1, 0, h));
  return conv2d(features, w.reshape(4 * h, h, 1, 1), cell.biasIh.add(cell.biasHh));
}

/**
 * The state-to-state weight [4h, h, K] of the fused recurrence, from the cell's own tensors (so checkpoints keep
 * their names and shapes): the input weights' later column blocks for the K − 1 neighbours, then the
 * hidden-to-hidden weights for the cell itself.
 */
function stateWeight(cell: LSTMCell, nNeighbours: number): Tensor {
  const h = cell.hiddenSize;
  const parts = Array.from({ length: nNeighbours }, (_, k) => cell.weightIh.slice(1, h * (1 + k), h * (2 + k)));
  return stack([...parts, cell.weightHh], 2);
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
    // rows are the steps and columns the cells of a line; the state-to-state taps are the states above-left and
    // above-right (the cell's input weights after the first h columns) and above (its hidden-to-hidden weights)
    const gates = inputGates(this.cell, this.mask, this.inputToState.forward(x)); // [B, 4h, H, W]
    return x.add(this.out.forward(lstmScan(gates, stateWeight(this.cell, 2), [-1, 1, 0], "NCTS")));
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

  /**
   * One direction over the skewed map: [B, h, H, W] → [B, h, H, W]. The skewed map's columns are the steps and its
   * rows the cells of a line; the taps are the state above (the cell's input weights after the first h columns)
   * and the one to the left (its hidden-to-hidden weights), both in the previous column.
   */
  private scan(is: Tensor, cell: LSTMCell): Tensor {
    const gates = inputGates(cell, this.mask, skew(is)); // [B, 4h, H, L]: column c is step c
    return unskew(lstmScan(gates, stateWeight(cell, 1), [-1, 0], "NCST"), is.shape[3]!);
  }

  forward(x: Tensor): Tensor {
    const is = this.inputToState.forward(x);
    const right = this.scan(is, this.forwardCell);
    const left = flipWidth(this.scan(flipWidth(is), this.backwardCell));
    return x.add(this.out.forward(right.add(shiftDown(left))));
  }
}
