/**
 * Cached sampling network for PixelCNN (see fast-sample.ts; Gated PixelCNN's is fast-sample-gated.ts). It reads a
 * model's layers through the small structural types below, so it does not import the model files.
 */
import { noGrad } from "../../autograd/tape.js";
import { contiguousData } from "../../ops/util.js";
import type { Tensor } from "../../tensor/tensor.js";
import { addInPlace, allTaps, reluInto, RowCache, TapConv, type IncrementalNet } from "./fast-sample.js";

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
      const m = contiguousData(layer.mask),
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
