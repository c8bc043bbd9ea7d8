/**
 * Cached sampling networks for PixelCNN and Gated PixelCNN (see fast-sample.ts). They read a model's layers through
 * the small structural types below, so they do not import the model files.
 */
import { noGrad } from "../../autograd/tape.js";
import type { Tensor } from "../../tensor/tensor.js";
import {
  addInPlace,
  allTaps,
  reluInto,
  RowCache,
  sigmoidOf,
  tanhOf,
  TapConv,
  type IncrementalNet,
} from "./fast-sample.js";

/** A convolution layer as the sampler sees it (Conv2d, or MaskedConv2d with its mask). */
export interface ConvLayer {
  weight: Tensor;
  bias: Tensor | null;
  kernel: [number, number];
  mask?: Tensor;
}

/**
 * The layer as a TapConv: the effective weight, the taps a mask leaves live, and `origin`, the kernel position over
 * the output pixel (the centre for masked convolutions).
 */
export function tapConv(layer: ConvLayer, origin?: [number, number]): TapConv {
  const [kh, kw] = layer.kernel;
  return noGrad(() => {
    const weight = layer.mask ? layer.weight.mul(layer.mask) : layer.weight;
    let live = allTaps(kh, kw);
    if (layer.mask) {
      const m = layer.mask.toArray(),
        on = new Array<boolean>(kh * kw).fill(false);
      m.forEach((v, i) => {
        if (v !== 0) on[i % (kh * kw)] = true;
      });
      live = live.filter((t) => on[t]);
    }
    return new TapConv({ weight, bias: layer.bias }, live, origin ?? [kh >> 1, kw >> 1]);
  });
}

/** The output stack (ReLU → 1×1 → ReLU → 1×1) at one pixel: [n, C·P]. */
class Head {
  readonly hidden: TapConv;
  readonly out: TapConv;
  readonly a: RowCache;
  readonly b: RowCache;

  constructor(head: { hidden: ConvLayer; out: ConvLayer }, W: number, n: number) {
    this.hidden = tapConv(head.hidden);
    this.out = tapConv(head.out);
    this.a = new RowCache(1, W, n, this.hidden.inF, 0);
    this.b = new RowCache(1, W, n, this.out.inF, 0);
  }

  at(h: Float32Array, r: number, c: number): Float32Array {
    reluInto(h, this.a.block(r, c));
    reluInto(this.hidden.at(this.a, r, c), this.b.block(r, c));
    return this.out.at(this.b, r, c);
  }
}

/** Rows a k×k convolution reaches above (and the ring it needs). */
const ring = (k: number): number => (k >> 1) + 1;

export interface PixelCNNLayers {
  first: ConvLayer;
  blocks: Array<{ convs: ConvLayer[] }>;
  head: { hidden: ConvLayer; out: ConvLayer };
}

/** PixelCNN: every layer at the new pixel only (mask B layers read the pixel and earlier ones). */
export function pixelCnnNet(m: PixelCNNLayers, shape: [number, number, number], n: number): IncrementalNet {
  const [C, , W] = shape;
  const first = tapConv(m.first),
    head = new Head(m.head, W, n);
  const blocks = m.blocks.map((b) =>
    b.convs.map((layer) => {
      const conv = tapConv(layer);
      return { conv, cache: new RowCache(ring(layer.kernel[0]), W, n, conv.inF, layer.kernel[1] >> 1) };
    }),
  );
  const input = new RowCache(ring(m.first.kernel[0]), W, n, C, m.first.kernel[1] >> 1);
  return {
    input,
    pixel(r, c) {
      const h = first.at(input, r, c);
      for (const convs of blocks) {
        let t = h;
        for (const { conv, cache } of convs) {
          reluInto(t, cache.block(r, c));
          t = conv.at(cache, r, c);
        }
        addInPlace(h, t);
      }
      return head.at(h, r, c);
    },
    rowDone() {},
  };
}

export interface GatedLayerParts {
  first: boolean;
  vertical: ConvLayer;
  horizontal: ConvLayer;
  link: ConvLayer;
  out: ConvLayer;
  cond: { weight: Tensor; bias: Tensor | null } | null;
}

/**
 * tanh(a) ⊙ σ(b) per image over groups of [a | b] halves, as `gate` in layers.ts: [n, 2F] → [n, F]. The a and b
 * halves are gathered first so that each is passed through one kernel only (half the work of both on everything).
 */
function gateRows(x: Float32Array, rows: number, F2: number, groups: number, out: Float32Array): void {
  const per = F2 / (2 * groups),
    half = (rows * F2) / 2,
    a = new Float32Array(half),
    b = new Float32Array(half);
  // the output index of a unit, (row · groups + g) · per + i, is also its index in a and b
  for (let j = 0, to = 0; j < rows * groups; j++, to += per) {
    const from = j * 2 * per;
    a.set(x.subarray(from, from + per), to);
    b.set(x.subarray(from + per, from + 2 * per), to);
  }
  const t = tanhOf(a),
    s = sigmoidOf(b);
  for (let i = 0; i < half; i++) out[i] = t[i]! * s[i]!;
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

/**
 * Gated PixelCNN: the horizontal stack at the new pixel only; the vertical stack of a row once the row is complete
 * (its convolution reaches right along the row, and only the next row's horizontal stack reads it, through the link),
 * with the link and the class term for the whole next row in the same row-wide GEMMs.
 */
export function gatedNet(
  layers: GatedLayerParts[],
  head: { hidden: ConvLayer; out: ConvLayer },
  shape: [number, number, number],
  n: number,
  labels: Int32Array | null,
): IncrementalNet {
  const [C, H, W] = shape;
  const L = layers.map((l) => {
    const kv = l.vertical.kernel,
      kh = l.horizontal.kernel[1];
    const vertical = tapConv(l.vertical, [kv[0] - 1, kv[1] >> 1]),
      p2 = vertical.outF;
    return {
      first: l.first,
      vertical,
      horizontal: tapConv(l.horizontal),
      link: tapConv(l.link, [1, 0]),
      out: tapConv(l.out),
      cond: classTerms(l.cond, labels, n, 2 * p2),
      p2,
      kv,
      kh,
      vPre: new RowCache(2, W, n, p2, 0),
      linked: new RowCache(1, W, n, p2, 0),
      hGated: new RowCache(1, W, n, p2 / 2, 0),
    };
  });
  type Layer = (typeof L)[number];
  // the horizontal stack's input from above for row r: link(vPre of row r − 1) plus the class term
  const link = (l: Layer, r: number): void => {
    const v = l.link.at(l.vPre, r, 0, W);
    if (l.cond) addClassTerms(v, W * n, n, l.cond, l.p2, l.p2);
    l.linked.block(r, 0, W).set(v);
  };
  for (const l of L) link(l, 0);
  const pad = Math.max(...L.map((l) => Math.max(l.kv[1] >> 1, l.kh >> 1)));
  // the vertical and horizontal inputs of each layer (layer 0 reads the image for both)
  const vIn = L.map((l, i) => (i === 0 ? null : new RowCache(l.kv[0], W, n, l.vertical.inF, pad)));
  const hIn = L.map((l, i) => (i === 0 ? null : new RowCache(1, W, n, l.horizontal.inF, pad)));
  const input = new RowCache(Math.max(...L.map((l) => l.kv[0])), W, n, C, pad);
  const headNet = new Head(head, W, n);
  return {
    input,
    pixel(r, c) {
      let h: Float32Array = input.block(r, c);
      L.forEach((l, i) => {
        const hPre = l.horizontal.at(hIn[i] ?? input, r, c);
        addInPlace(hPre, l.linked.block(r, c));
        gateRows(hPre, n, l.p2, C, l.hGated.block(r, c));
        const hOut = l.out.at(l.hGated, r, c);
        if (!l.first) addInPlace(hOut, h);
        h = hOut;
        if (i + 1 < L.length) hIn[i + 1]!.block(r, c).set(h);
      });
      return headNet.at(h, r, c);
    },
    rowDone(r) {
      L.forEach((l, i) => {
        const v = l.vertical.at(vIn[i] ?? input, r, 0, W);
        l.vPre.block(r, 0, W).set(v);
        if (r + 1 < H) link(l, r + 1);
        if (i + 1 === L.length) return; // the last layer's vertical stack reaches the output only through its link
        if (l.cond) addClassTerms(v, W * n, n, l.cond, l.p2, 0);
        gateRows(v, W * n, l.p2, 1, vIn[i + 1]!.block(r, 0, W));
      });
    },
  };
}
