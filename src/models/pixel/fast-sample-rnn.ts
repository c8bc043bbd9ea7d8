/**
 * Cached sampling networks for PixelRNN's Row LSTM and Diagonal BiLSTM (see fast-sample.ts and rnn-layers.ts).
 *  - Row LSTM: the state at (r, c) reads the input-to-state features at (r, c) and the states of row r − 1 at
 *    c − 1, c, c + 1, so every layer is computed at the new pixel only.
 *  - Diagonal BiLSTM: the left-to-right state at (r, c) reads (r − 1, c) and (r, c − 1): the new pixel only. The
 *    right-to-left state at (r, c) reads (r, c + 1), so it is computed for the whole row, right to left, once the row
 *    is complete; the layer adds it shifted down a row, so the next row is the first to read it (exact, each state
 *    computed once). Left of column 0 the skewed map's scan runs over zero inputs: that padding state depends only on
 *    the column count, so it is computed once per direction.
 */
import { tensor } from "../../tensor/create.js";
import type { Tensor } from "../../tensor/tensor.js";
import { tapConv, type ConvLayer } from "./fast-sample-cnn.js";
import {
  addInPlace,
  matmulRows,
  RowCache,
  sigmoidOf,
  tanhOf,
  type IncrementalNet,
  type TapConv,
} from "./fast-sample.js";

/** An LSTM cell's parameters (input weights with any colour mask applied), gates in the order i, f, g, o. */
export interface LstmWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor;
  biasHh: Tensor;
}

/** One GEMM per step: [input | h_prev] · [W_ih | W_hh]ᵀ + (b_ih + b_hh). */
class Cell {
  readonly w: Tensor;
  readonly bias: Tensor;
  readonly H: number;
  readonly K: number;

  constructor(p: LstmWeights) {
    const [G, I] = p.weightIh.shape as [number, number],
      H = G / 4,
      wi = p.weightIh.contiguous().toArray(),
      wh = p.weightHh.contiguous().toArray(),
      bi = p.biasIh.toArray(),
      bh = p.biasHh.toArray(),
      w = new Float32Array(G * (I + H));
    for (let g = 0; g < G; g++) {
      for (let i = 0; i < I; i++) w[g * (I + H) + i] = wi[g * I + i]!;
      for (let i = 0; i < H; i++) w[g * (I + H) + I + i] = wh[g * H + i]!;
    }
    this.w = tensor(w, [G, I + H]);
    this.bias = tensor(
      Float32Array.from(bi, (v, g) => v + bh[g]!),
      [G],
    );
    this.H = H;
    this.K = I + H;
  }

  /** x [n, K] (inputs then the previous h) and the previous c [n, H] → h, c written into their blocks. */
  step(x: Float32Array, n: number, cPrev: Float32Array, hOut: Float32Array, cOut: Float32Array): void {
    const H = this.H,
      gates = matmulRows(x, n, this.w, this.bias),
      s = sigmoidOf(gates),
      t = tanhOf(gates);
    for (let b = 0; b < n; b++)
      for (let u = 0; u < H; u++) {
        const o = b * 4 * H + u;
        cOut[b * H + u] = s[o + H]! * cPrev[b * H + u]! + s[o]! * t[o + 2 * H]!;
      }
    const tc = tanhOf(cOut);
    for (let b = 0; b < n; b++)
      for (let u = 0; u < H; u++) hOut[b * H + u] = s[b * 4 * H + 3 * H + u]! * tc[b * H + u]!;
  }

  /**
   * The state after `count` steps over zero inputs starting from zeros, each step's previous state serving as both
   * its neighbours (the skewed map's padding): entry k holds the state after k + 1 steps, as [h | c].
   */
  padding(count: number, nInputs: number): Float32Array[] {
    const H = this.H,
      out: Float32Array[] = [];
    let h = new Float32Array(H),
      c = new Float32Array(H);
    for (let k = 0; k < count; k++) {
      const x = new Float32Array(this.K);
      if (k > 0) x.set(h, nInputs - H); // the state above, the last input
      x.set(h, this.K - H);
      const h2 = new Float32Array(H),
        c2 = new Float32Array(H);
      this.step(x, 1, c, h2, c2);
      [h, c] = [h2, c2];
      const s = new Float32Array(2 * H);
      s.set(h);
      s.set(c, H);
      out.push(s);
    }
    return out;
  }
}

/** Concatenates [n, F_i] blocks along features into dst [n, ΣF_i]. */
function concatInto(dst: Float32Array, n: number, parts: Float32Array[]): Float32Array {
  const widths = parts.map((p) => p.length / n),
    K = widths.reduce((a, b) => a + b, 0);
  for (let b = 0; b < n; b++) {
    let o = b * K;
    parts.forEach((p, k) => {
      const w = widths[k]!;
      for (let i = 0; i < w; i++) dst[o + i] = p[b * w + i]!;
      o += w;
    });
  }
  return dst;
}

export interface RnnLayers {
  first: ConvLayer;
  head: { hidden: ConvLayer; out: ConvLayer };
}

interface Common {
  first: TapConv;
  input: RowCache;
  head: { hidden: TapConv; out: TapConv; a: RowCache; b: RowCache };
}

function common(m: RnnLayers, shape: [number, number, number], n: number): Common {
  const [C, , W] = shape;
  const hidden = tapConv(m.head.hidden),
    out = tapConv(m.head.out);
  return {
    first: tapConv(m.first),
    input: new RowCache((m.first.kernel[0] >> 1) + 1, W, n, C, m.first.kernel[1] >> 1),
    head: { hidden, out, a: new RowCache(1, W, n, hidden.inF, 0), b: new RowCache(1, W, n, out.inF, 0) },
  };
}

function headAt(c: Common, h: Float32Array, r: number, col: number): Float32Array {
  const { hidden, out, a, b } = c.head;
  relu(h, a.block(r, col));
  relu(hidden.at(a, r, col), b.block(r, col));
  return out.at(b, r, col);
}

function relu(x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i]! > 0 ? x[i]! : 0;
}

export interface RowLstmParts {
  inputToState: ConvLayer;
  out: ConvLayer;
  weights: LstmWeights;
}

/** Row LSTM: each layer's input-to-state convolution, cell and residual output at the new pixel only. */
export function rowLstmNet(m: RnnLayers, layers: RowLstmParts[], shape: [number, number, number], n: number) {
  const W = shape[2],
    base = common(m, shape, n);
  const L = layers.map((l) => {
    const is = tapConv(l.inputToState),
      cell = new Cell(l.weights),
      H = cell.H;
    return {
      is,
      cell,
      out: tapConv(l.out),
      x: new RowCache(1, W, n, is.inF, l.inputToState.kernel[1] >> 1),
      h: new RowCache(2, W, n, H, 1),
      c: new RowCache(2, W, n, H, 0),
      cellIn: new Float32Array(n * cell.K),
    };
  });
  const net: IncrementalNet = {
    input: base.input,
    pixel(r, c) {
      let x = base.first.at(base.input, r, c);
      for (const l of L) {
        l.x.block(r, c).set(x);
        const is = l.is.at(l.x, r, c);
        const up = (dc: number): Float32Array => l.h.block(r - 1, c + dc);
        concatInto(l.cellIn, n, [is, up(-1), up(1), up(0)]);
        l.cell.step(l.cellIn, n, l.c.block(r - 1, c), l.h.block(r, c), l.c.block(r, c));
        const y = l.out.at(l.h, r, c);
        addInPlace(y, x);
        x = y;
      }
      return headAt(base, x, r, c);
    },
    rowDone() {},
  };
  return net;
}

export interface DiagonalParts {
  inputToState: ConvLayer;
  out: ConvLayer;
  forward: LstmWeights;
  backward: LstmWeights;
}

/** One direction's state caches: rows r − 1 and r, with a column either side for the padding state. */
function direction(weights: LstmWeights, W: number, n: number, rows: number) {
  const cell = new Cell(weights);
  return {
    cell,
    h: new RowCache(2, W, n, cell.H, 1),
    c: new RowCache(2, W, n, cell.H, 1),
    pad: cell.padding(Math.max(0, rows - 1), 2 * cell.H),
    cellIn: new Float32Array(n * cell.K),
  };
}
type Direction = ReturnType<typeof direction>;

/** Sets the state at (r, col), a column outside the image, to the padding state the skewed scan reaches there. */
function setPadding(d: Direction, r: number, col: number, n: number): void {
  const H = d.cell.H,
    s = r > 0 ? d.pad[r - 1]! : new Float32Array(2 * H),
    h = d.h.block(r, col),
    c = d.c.block(r, col);
  for (let b = 0; b < n; b++) {
    h.set(s.subarray(0, H), b * H);
    c.set(s.subarray(H), b * H);
  }
}

/** One step of a direction at (r, col): input-to-state features, the state above, the state before (at `prev`). */
function stepAt(d: Direction, is: Float32Array, r: number, col: number, prev: number, n: number): void {
  concatInto(d.cellIn, n, [is, d.h.block(r - 1, col), d.h.block(r, prev)]);
  d.cell.step(d.cellIn, n, d.c.block(r, prev), d.h.block(r, col), d.c.block(r, col));
}

/** Diagonal BiLSTM: the left-to-right scan at the new pixel, the right-to-left scan per completed row. */
export function diagonalNet(m: RnnLayers, layers: DiagonalParts[], shape: [number, number, number], n: number) {
  const [, H, W] = shape,
    base = common(m, shape, n);
  const L = layers.map((l) => {
    const is = tapConv(l.inputToState);
    return {
      is,
      out: tapConv(l.out),
      x: new RowCache(1, W, n, is.inF, 0),
      isCache: new RowCache(1, W, n, is.outF, 0),
      sum: new RowCache(1, W, n, is.outF, 0),
      right: direction(l.forward, W, n, H),
      left: direction(l.backward, W, n, H),
    };
  });
  const net: IncrementalNet = {
    input: base.input,
    pixel(r, c) {
      let x = base.first.at(base.input, r, c);
      for (const l of L) {
        if (c === 0) setPadding(l.right, r, -1, n);
        l.x.block(r, c).set(x);
        const is = l.is.at(l.x, r, c);
        l.isCache.block(r, c).set(is);
        stepAt(l.right, is, r, c, c - 1, n);
        const s = l.sum.block(r, c);
        s.set(l.right.h.block(r, c));
        addInPlace(s, l.left.h.block(r - 1, c));
        const y = l.out.at(l.sum, r, c);
        addInPlace(y, x);
        x = y;
      }
      return headAt(base, x, r, c);
    },
    rowDone(r) {
      for (const l of L) {
        setPadding(l.left, r, W, n);
        for (let c = W - 1; c >= 0; c--) stepAt(l.left, l.isCache.block(r, c), r, c, c + 1, n);
      }
    },
  };
  return net;
}
