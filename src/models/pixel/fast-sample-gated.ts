/**
 * Cached sampling network of Gated PixelCNN (see fast-sample.ts). Each kernel's live taps are consecutive positions
 * of consecutive rows, so a tap matrix is a strided view of a cache that the engine packs in one native copy (no
 * per-value JavaScript loops): the horizontal stack reads the current row of a RowCache, the vertical stack a window
 * of rows kept contiguous (`RowWindow`). Per pixel and layer: the horizontal GEMM, the gated unit with the link
 * added as it reads, the 1×1 GEMM straight into the next layer's cache and the residual sum. Per completed row: the
 * vertical GEMM over the whole row for every image, its gated unit straight into the next layer's window, and the
 * link of the next row from the same result. Every step writes into buffers made once per sampling call (the
 * engine's kernels called "into"), so the 784 steps allocate nothing per layer and leave the garbage collector idle.
 */
import { withThreads } from "../../backend/registry.js";
import { gatedUnitInto } from "../../fused/gated-unit/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import { type ConvLayer, tapConv } from "./fast-sample-cnn.js";
import { addInPlace, linearInto, packInto, reluInto, RowCache, TapConv, type IncrementalNet } from "./fast-sample.js";

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
 * above the image and in the padding): advancing moves the others up one, so a window of rows is one strided view.
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

  /** Moves every row up one and returns the newest row's [W·n, F] values (between the padding) to be written. */
  advance(): Float32Array {
    this.data.copyWithin(0, this.rowStride);
    const o = (this.rows - 1) * this.rowStride + this.pad * this.n * this.F;
    return this.data.subarray(o, o + this.W * this.n * this.F);
  }
}

/** Whether a TapConv's taps are consecutive positions of its output row (a strided view of a RowCache row). */
const rowTaps = (conv: TapConv): boolean => conv.taps.every(([dy, dx], t) => dy === 0 && dx === conv.taps[0]![1] + t);

/**
 * The horizontal stack's convolution at one pixel of a RowCache for all images, into out [n, 2p]: its live taps
 * (positions c + dx₀ …) are the strided view [n, taps, F] of the current row, packed into `pack` for one GEMM.
 */
function horizontalAt(conv: TapConv, cache: RowCache, r: number, c: number, pack: Float32Array, out: Float32Array) {
  if (!rowTaps(conv)) {
    conv.at(cache, r, c, 1, out);
    return;
  }
  const { n, F } = cache,
    T = conv.taps.length;
  packInto(cache.data, cache.offset(r, c + conv.taps[0]![1]), [n, T, F], [F, n * F, 1], pack.subarray(0, n * T * F));
  linearInto(pack.subarray(0, n * T * F), n, conv.packed, conv.bias, out);
}

/**
 * A full kv×k kernel (the vertical stack, origin at its bottom row's centre) over the whole newest row of a window,
 * into out [W·n, 2p]: the tap matrix is the view [W, n, kv, k, F] of the window, packed into `pack`.
 */
function windowRowInto(conv: TapConv, win: RowWindow, kv: number, k: number, pack: Float32Array, out: Float32Array) {
  const { n, F, W } = win,
    size = W * n * kv * k * F;
  const shape = [W, n, kv, k, F],
    strides = [n * F, F, win.rowStride, n * F, 1];
  packInto(win.data, (win.pad - (k >> 1)) * n * F, shape, strides, pack.subarray(0, size));
  linearInto(pack.subarray(0, size), W * n, conv.packed, conv.bias, out);
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

/** The output stack (ReLU → 1×1 → ReLU → 1×1) at one pixel, [n, C·P] in its own buffer. */
class Head {
  readonly hidden: TapConv;
  readonly out: TapConv;
  readonly #a: Float32Array;
  readonly #z: Float32Array;
  readonly #o: Float32Array;

  constructor(
    head: { hidden: ConvLayer; out: ConvLayer },
    readonly n: number,
  ) {
    this.hidden = tapConv(head.hidden);
    this.out = tapConv(head.out);
    this.#a = new Float32Array(n * this.hidden.inF);
    this.#z = new Float32Array(n * this.hidden.outF);
    this.#o = new Float32Array(n * this.out.outF);
  }

  at(h: Float32Array): Float32Array {
    reluInto(h, this.#a);
    linearInto(this.#a, this.n, this.hidden.packed, this.hidden.bias, this.#z);
    reluInto(this.#z, this.#z);
    linearInto(this.#z, this.n, this.out.packed, this.out.bias, this.#o);
    return this.#o;
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
function setLink(l: LayerState, v: Float32Array | null, n: number, W: number): void {
  if (v) linearInto(v, W * n, l.link.packed, l.link.bias, l.linked);
  else {
    const b = l.link.bias?.data ?? new Float32Array(l.p2);
    for (let j = 0; j < W * n; j++) l.linked.set(b, j * l.p2);
  }
  if (l.cond) addClassTerms(l.linked, W * n, n, l.cond, l.p2, l.p2);
}

/**
 * Buffers shared by the layers, each sized for the widest: tap matrices (a pixel's horizontal taps, a row's vertical
 * ones) and pre-activations (a pixel's horizontal [n, 2p], a row's vertical [W·n, 2p]) and a pixel's gated [n, p].
 */
function scratch(L: LayerState[], n: number, W: number) {
  const most = (f: (l: LayerState) => number): number => Math.max(...L.map(f));
  return {
    hPack: new Float32Array(n * most((l) => l.horizontal.taps.length * l.horizontal.inF)),
    vPack: new Float32Array(W * n * most((l) => l.vertical.taps.length * l.vertical.inF)),
    hPre: L.map((l) => new Float32Array(n * l.p2)),
    gated: L.map((l) => new Float32Array((n * l.p2) / 2)),
    vPre: L.map((l) => new Float32Array(W * n * l.p2)),
  };
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
  const L = layerStates(layers, labels, n, W, pad);
  for (const l of L) setLink(l, null, n, W);
  // the horizontal input of each layer after the first at the current row (the previous layer's output), and the
  // last layer's output
  const hIn = L.map((l, i) => (i === 0 ? null : new RowCache(1, W, n, l.horizontal.inF, pad)));
  const hLast = new Float32Array(n * L[L.length - 1]!.out.outF);
  const input = new RowCache(Math.max(...L.map((l) => l.kv[0])), W, n, C, pad);
  const headNet = new Head(head, n),
    s = scratch(L, n, W);
  return {
    input,
    pixel(r, c) {
      L.forEach((l, i) => {
        const linked = l.linked.subarray(c * n * l.p2, (c + 1) * n * l.p2);
        horizontalAt(l.horizontal, hIn[i] ?? input, r, c, s.hPack, s.hPre[i]!);
        gatedUnitInto(s.hPre[i]!, linked, s.gated[i]!, n * C, l.p2 / (2 * C));
        const h = i + 1 < L.length ? hIn[i + 1]!.block(r, c) : hLast;
        linearInto(s.gated[i]!, n, l.out.packed, l.out.bias, h);
        if (!l.first) addInPlace(h, hIn[i]!.block(r, c)); // the residual: this layer's horizontal input
      });
      return headNet.at(hLast);
    },
    // On the calling thread: a row's products (0.3–0.8 ms each, about 600 per call) are the only work big enough for
    // the engine's parallel regions, and with another process on the second core each region waited for it
    // (REPRODUCTION.md, cached sampling); on an idle machine two threads would save at most half of that product time.
    rowDone: (r) =>
      withThreads(1, () =>
        L.forEach((l, i) => {
          const v = s.vPre[i]!;
          if (l.window) windowRowInto(l.vertical, l.window, l.kv[0], l.kv[1], s.vPack, v);
          else l.vertical.at(input, r, 0, W, v); // the first layer: few input channels, a small gather
          if (r + 1 < H) setLink(l, v, n, W);
          const next = L[i + 1];
          if (!next) return; // the last layer's vertical stack reaches the output only through its link
          if (l.cond) addClassTerms(v, W * n, n, l.cond, l.p2, 0);
          gatedUnitInto(v, null, next.window!.advance(), W * n, l.p2 / 2);
        }),
      ),
  };
}

const layerStates = (layers: GatedLayerParts[], labels: Int32Array | null, n: number, W: number, pad: number) =>
  layers.map((l) => layerState(l, labels, n, W, pad));
