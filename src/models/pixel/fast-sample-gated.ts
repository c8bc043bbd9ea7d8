/**
 * Cached sampling network of Gated PixelCNN (see fast-sample.ts). Each kernel's live taps are consecutive positions
 * of consecutive rows, so a tap matrix is a strided view of a cache that the engine packs in one native copy (no
 * per-value JavaScript loops): the horizontal stack reads the current row of a RowCache, the vertical stack a window
 * of rows kept contiguous (`RowWindow`). Per pixel and layer: the horizontal GEMM, the gated unit with the link
 * added as it reads, the 1×1 GEMM and the residual sum. Per completed row: the vertical GEMM over the whole row
 * for every image, its gated unit into the next layer's window, and the link of the next row from the same result.
 */
import { gatedUnit } from "../../fused/gated-unit/index.js";
import { linear } from "../../ops/linalg.js";
import { Tensor } from "../../tensor/tensor.js";
import { type ConvLayer, tapConv } from "./fast-sample-cnn.js";
import { addInPlace, reluInto, RowCache, TapConv, type IncrementalNet } from "./fast-sample.js";

export interface GatedLayerParts {
  first: boolean;
  vertical: ConvLayer;
  horizontal: ConvLayer;
  link: ConvLayer;
  out: ConvLayer;
  cond: { weight: Tensor; bias: Tensor | null } | null;
}

/**
 * The last `rows` image rows of a feature map, oldest first and contiguous, [rows, pad + W + pad, n, F] (zeros
 * above the image): pushing a row moves the others up one, so a window of rows is one strided view.
 */
class RowWindow {
  readonly data: Float32Array;
  readonly rowStride: number;

  constructor(
    readonly rows: number,
    readonly W: number,
    readonly n: number,
    readonly F: number,
    readonly pad: number,
  ) {
    this.rowStride = (W + 2 * pad) * n * F;
    this.data = new Float32Array(rows * this.rowStride);
  }

  /** Appends a row's [W·n, F] values as the newest row. */
  push(row: Float32Array): void {
    this.data.copyWithin(0, this.rowStride);
    this.data.set(row, (this.rows - 1) * this.rowStride + this.pad * this.n * this.F);
  }
}

/** The rows of the tap matrix as a packed tensor: view [positions, n, taps…, F] → [positions·n, taps·F]. */
const packed = (view: Tensor, m: number): Tensor => view.contiguous().reshape(m, view.size / m);

/**
 * A TapConv whose live taps are `count` consecutive positions of one row (dy = 0, dx = dx0 …), evaluated at one
 * pixel of a RowCache for all images from a strided view [n, count, F].
 */
function rowTapsAt(conv: TapConv, cache: RowCache, r: number, c: number): Tensor {
  const n = cache.n,
    F = cache.F,
    T = conv.taps.length;
  const o = cache.offset(r, c + conv.taps[0]![1]);
  const view = new Tensor(cache.data.subarray(o, o + T * n * F), [n, T, F], [F, n * F, 1]);
  return linear(packed(view, n), conv.packed, conv.bias);
}

/** Whether a TapConv's taps are consecutive positions of its output row (what rowTapsAt reads). */
const rowTaps = (conv: TapConv): boolean => conv.taps.every(([dy, dx], t) => dy === 0 && dx === conv.taps[0]![1] + t);

/**
 * A full kv×k kernel (the vertical stack, origin at its bottom row's centre) over the whole newest row of a window:
 * view [W, n, kv, k, F] → [W·n, 2p].
 */
function windowRow(conv: TapConv, win: RowWindow, kv: number, k: number): Tensor {
  const { n, F, W } = win,
    first = (win.pad - (k >> 1)) * n * F;
  const view = new Tensor(win.data.subarray(first), [W, n, kv, k, F], [n * F, F, win.rowStride, n * F, 1]);
  return linear(packed(view, W * n), conv.packed, conv.bias);
}

/**
 * The per-image class terms of one layer, [n, 4p]: a one-hot input through a linear layer is its weight column plus
 * the bias. Null without conditioning (nothing to add).
 */
function classTerms(
  cond: GatedLayerParts["cond"],
  labels: Int32Array | null,
  n: number,
  p4: number,
): Float32Array | null {
  if (!cond || !labels) return null;
  const out = new Float32Array(n * p4);
  const w = cond.weight.toArray(),
    classes = cond.weight.shape[1]!,
    bias = cond.bias?.toArray();
  for (let b = 0; b < n; b++) {
    const y = labels[b]!;
    if (!(y >= 0 && y < classes)) throw new RangeError(`gated-pixelcnn: label ${y} is not in [0, ${classes})`);
    for (let k = 0; k < p4; k++) out[b * p4 + k] = w[k * classes + y]! + (bias ? bias[k]! : 0);
  }
  return out;
}

/** v[j] += cond[j mod n][from …] over rows j of width p2: image j mod n's class term (positions are image-minor). */
function addClassTerms(v: Float32Array, rows: number, n: number, cond: Float32Array, p2: number, from: number): void {
  for (let j = 0; j < rows; j++) {
    const c = (j % n) * 2 * p2 + from;
    for (let k = 0; k < p2; k++) v[j * p2 + k]! += cond[c + k]!;
  }
}

/** The output stack (ReLU → 1×1 → ReLU → 1×1) at one pixel: [n, C·P]. */
class Head {
  readonly hidden: TapConv;
  readonly out: TapConv;
  readonly #a: Float32Array;

  constructor(head: { hidden: ConvLayer; out: ConvLayer }, n: number) {
    this.hidden = tapConv(head.hidden);
    this.out = tapConv(head.out);
    this.#a = new Float32Array(n * this.hidden.inF);
  }

  at(h: Float32Array): Float32Array {
    const n = h.length / this.hidden.inF;
    reluInto(h, this.#a);
    const z = linear(new Tensor(this.#a, [n, this.hidden.inF]), this.hidden.packed, this.hidden.bias).relu();
    return linear(z, this.out.packed, this.out.bias).data as Float32Array;
  }
}

function layerState(l: GatedLayerParts, labels: Int32Array | null, n: number, W: number, pad: number) {
  const kv = l.vertical.kernel;
  const vertical = tapConv(l.vertical, [kv[0] - 1, kv[1] >> 1]),
    p2 = vertical.outF;
  return {
    first: l.first,
    vertical,
    horizontal: tapConv(l.horizontal),
    link: tapConv(l.link),
    out: tapConv(l.out),
    cond: classTerms(l.cond, labels, n, 2 * p2),
    p2,
    kv,
    // this layer's vertical input (layers after the first: the previous layer's vertical output)
    window: l.first ? null : new RowWindow(kv[0], W, n, vertical.inF, pad),
    // the link from the row above plus the class term, for every pixel of the current row, [W·n, 2p]
    linked: new Float32Array(W * n * p2),
  };
}
type LayerState = ReturnType<typeof layerState>;

/** The horizontal input of the next row from the vertical pre-activation v of this one (null: above the image). */
function setLink(l: LayerState, v: Tensor | null, n: number, W: number): void {
  if (v) l.linked.set(linear(v, l.link.packed, l.link.bias).data);
  else {
    const b = l.link.bias?.data ?? new Float32Array(l.p2);
    for (let j = 0; j < W * n; j++) l.linked.set(b, j * l.p2);
  }
  if (l.cond) addClassTerms(l.linked, W * n, n, l.cond, l.p2, l.p2);
}

/**
 * Gated PixelCNN: the horizontal stack at the new pixel only; the vertical stack of a row once the row is complete
 * (its convolution reaches right along the row, and only the next row's horizontal stack reads it, through the link),
 * with the link for the whole next row in one GEMM on the same result.
 */
export function gatedNet(
  layers: GatedLayerParts[],
  head: { hidden: ConvLayer; out: ConvLayer },
  shape: [number, number, number],
  n: number,
  labels: Int32Array | null,
): IncrementalNet {
  const [C, H, W] = shape;
  const pad = Math.max(...layers.map((l) => Math.max(l.vertical.kernel[1] >> 1, l.horizontal.kernel[1] >> 1)));
  const L = layers.map((l) => layerState(l, labels, n, W, pad));
  for (const l of L) setLink(l, null, n, W);
  // the horizontal input of each layer after the first, at the current row
  const hIn = L.map((l, i) => (i === 0 ? null : new RowCache(1, W, n, l.horizontal.inF, pad)));
  const input = new RowCache(Math.max(...L.map((l) => l.kv[0])), W, n, C, pad);
  const headNet = new Head(head, n);
  const horizontalAt = (l: LayerState, cache: RowCache, r: number, c: number): Tensor =>
    rowTaps(l.horizontal) ? rowTapsAt(l.horizontal, cache, r, c) : new Tensor(l.horizontal.at(cache, r, c), [n, l.p2]);
  return {
    input,
    pixel(r, c) {
      let h: Float32Array = input.block(r, c);
      L.forEach((l, i) => {
        const linked = new Tensor(l.linked.subarray(c * n * l.p2, (c + 1) * n * l.p2), [n, l.p2]);
        const gated = gatedUnit(horizontalAt(l, hIn[i] ?? input, r, c), C, linked);
        const hOut = linear(gated, l.out.packed, l.out.bias).data as Float32Array;
        if (!l.first) addInPlace(hOut, h);
        h = hOut;
        if (i + 1 < L.length) hIn[i + 1]!.block(r, c).set(h);
      });
      return headNet.at(h);
    },
    rowDone(r) {
      L.forEach((l, i) => {
        const v = l.window ? windowRow(l.vertical, l.window, l.kv[0], l.kv[1]) : verticalFirst(l, input, r, n, W);
        if (r + 1 < H) setLink(l, v, n, W);
        const next = L[i + 1];
        if (!next) return; // the last layer's vertical stack reaches the output only through its link
        const vd = v.data as Float32Array;
        if (l.cond) addClassTerms(vd, W * n, n, l.cond, l.p2, 0);
        next.window!.push(gatedUnit(v, 1).data as Float32Array);
      });
    },
  };
}

/** The first layer's vertical stack over row r (few input channels: the gather is small). */
const verticalFirst = (l: LayerState, input: RowCache, r: number, n: number, W: number): Tensor =>
  new Tensor(l.vertical.at(input, r, 0, W), [W * n, l.p2]);
