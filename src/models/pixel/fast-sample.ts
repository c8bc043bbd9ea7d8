/**
 * Cached sampling for the pixel models (in the spirit of Fast PixelCNN++, Ramachandran et al. 2017,
 * https://arxiv.org/abs/1704.06001). Every activation at pixel (r, c) depends only on values earlier in raster order,
 * so it is final once computed: the sampler keeps each layer's activations in row caches and, for each new value,
 * computes every layer at that one position from the cached neighbours instead of running the whole network.
 * Stacks that look to the right within a row (Gated PixelCNN's vertical stack, the Diagonal BiLSTM's right-to-left
 * scan) are computed once per row, after the row is complete: only the next row reads them.
 * Inference only: plain Float32Array caches, the engine's `linear` kernel without recording.
 */
import { noGrad } from "../../autograd/tape.js";
import { linear } from "../../ops/linalg.js";
import { backendFor, contiguousData } from "../../ops/util.js";
import { contiguousStrides, fmt } from "../../tensor/shape.js";
import type { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import type { PixelOutput } from "./outputs.js";

/**
 * A feature map of n images kept position-major, [rows, pad + W + pad, n, F]: a ring of the last `rows` image rows
 * (row r in slot r mod rows) with `pad` zero columns either side. Rows above the image read as zeros until their slot
 * is reused by a row far enough below that they are out of every kernel's reach.
 */
export class RowCache {
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

  /** Start of the [n, F] block of pixel (r, c); r ≥ −rows, −pad ≤ c < W + pad. */
  offset(r: number, c: number): number {
    return (((r % this.rows) + this.rows) % this.rows) * this.rowStride + (c + this.pad) * this.n * this.F;
  }

  /** The [count·n, F] blocks of pixels (r, c) … (r, c + count − 1), contiguous. */
  block(r: number, c: number, count = 1): Float32Array {
    const o = this.offset(r, c);
    return this.data.subarray(o, o + count * this.n * this.F);
  }

  clear(): void {
    this.data.fill(0);
  }
}

/** x [m, K] · w [N, K]ᵀ + bias through the engine's kernel, without recording: [m, N]. */
export function matmulRows(x: Float32Array, m: number, w: Tensor, bias: Tensor | null): Float32Array {
  const K = w.shape[1]!;
  return noGrad(() => linear(new Tensor(x, [m, K]), w, bias).data as Float32Array);
}

/**
 * x [m, K] · w [N, K]ᵀ + bias into out [m, N] through the engine's kernel: nothing allocated or recorded (for the
 * samplers' per-pixel steps, which reuse their buffers).
 */
export function linearInto(x: Float32Array, m: number, w: Tensor, bias: Tensor | null, out: Float32Array): void {
  const [N, K] = w.shape as [number, number];
  if (w.ndim !== 2 || !(w.data instanceof Float32Array) || !w.isContiguous() || w.data.length !== N * K)
    throw new TypeError(`linearInto: the weight ${fmt(w.shape)} must be a packed float32 [out, in] matrix`);
  if (bias && !(bias.data instanceof Float32Array && bias.size === N && bias.data.length === N))
    throw new TypeError(`linearInto: bias ${fmt(bias.shape)} must be a packed float32 [${N}]`);
  if (x.length !== m * K || out.length !== m * N)
    throw new TypeError(
      `linearInto: x of ${x.length} and out of ${out.length} values do not fit [${m}, ${K}] to [${m}, ${N}]`,
    );
  if (out.length > 0) backendFor("float32").linear(x, w.data, bias ? bias.data : null, out, m, K, N);
}

/**
 * Packs the strided view (shape, strides, offset) of src into out, row-major, in one copy of the engine: what a
 * view's contiguous() computes, into a buffer that is reused.
 */
export function packInto(
  src: Float32Array,
  offset: number,
  shape: number[],
  strides: number[],
  out: Float32Array,
): void {
  const size = shape.reduce((a, d) => a * d, 1),
    last = shape.reduce((o, d, i) => o + (d - 1) * strides[i]!, offset);
  if (strides.length !== shape.length || size !== out.length || (size > 0 && (offset < 0 || last >= src.length)))
    throw new RangeError(
      `packInto: view ${fmt(shape)} (strides ${fmt(strides)}, offset ${offset}) of ${src.length} values ` +
        `into ${out.length}`,
    );
  if (size > 0) backendFor("float32").stridedCopy(src, out, shape, strides, offset, contiguousStrides(shape), 0, false);
}

/** tanh and σ of every entry through the engine's vectorized kernels, without recording. */
export function tanhOf(x: Float32Array): Float32Array {
  return noGrad(() => new Tensor(x, [x.length]).tanh().data as Float32Array);
}
export function sigmoidOf(x: Float32Array): Float32Array {
  return noGrad(() => new Tensor(x, [x.length]).sigmoid().data as Float32Array);
}

/** A convolution's effective weight [O, I, kh, kw] (any mask applied) and bias. */
export interface ConvWeights {
  /** the effective weight (mask applied) */
  weight: Tensor;
  bias: Tensor | null;
}

/**
 * A convolution evaluated at chosen positions of a RowCache. Tap t reads the input at (r + dy_t, c + dx_t); the
 * weights of the live taps are packed as [O, T·I] so one GEMM computes a position (or a run of a row) for all images.
 */
export class TapConv {
  readonly taps: Array<[number, number]>;
  readonly packed: Tensor;
  readonly bias: Tensor | null;
  readonly inF: number;
  readonly outF: number;
  #scratch = new Float32Array(0);

  /**
   * @param live the kernel positions (i·kw + j) that take part
   * @param origin the kernel position (row, column) that lies over the output pixel
   */
  constructor(w: ConvWeights, live: readonly number[], origin: [number, number]) {
    const [O, I, kh, kw] = w.weight.shape as [number, number, number, number];
    this.inF = I;
    this.outF = O;
    this.taps = live.map((t) => [Math.floor(t / kw) - origin[0], (t % kw) - origin[1]]);
    const src = contiguousData(w.weight),
      T = live.length,
      p = new Float32Array(O * T * I);
    for (let o = 0; o < O; o++)
      live.forEach((t, ti) => {
        for (let i = 0; i < I; i++) p[(o * T + ti) * I + i] = src[(o * I + i) * kh * kw + t]!;
      });
    this.packed = new Tensor(p, [O, T * I]);
    this.bias = w.bias ? new Tensor(Float32Array.from(w.bias.toArray()), [O]) : null;
  }

  /**
   * Outputs at pixels (r, c) … (r, c + count − 1) of every image: [count·n, O], position-major like a RowCache;
   * written into `out` when given (and returned), else into a new array.
   */
  at(input: RowCache, r: number, c: number, count = 1, out?: Float32Array): Float32Array {
    const n = input.n,
      I = this.inF,
      T = this.taps.length,
      m = count * n;
    if (T === 1 && this.taps[0]![0] === 0 && this.taps[0]![1] === 0)
      return this.#gemm(input.block(r, c, count), m, out);
    if (this.#scratch.length < m * T * I) this.#scratch = new Float32Array(m * T * I);
    const x = this.#scratch,
      d = input.data;
    for (let t = 0; t < T; t++) {
      const [dy, dx] = this.taps[t]!;
      for (let j = 0; j < count; j++) {
        let src = input.offset(r + dy, c + j + dx);
        for (let b = 0; b < n; b++, src += I) {
          const dst = ((j * n + b) * T + t) * I;
          for (let i = 0; i < I; i++) x[dst + i] = d[src + i]!;
        }
      }
    }
    return this.#gemm(x.subarray(0, m * T * I), m, out);
  }

  /** The packed taps x [m, T·I] through the weights, into out when given. */
  #gemm(x: Float32Array, m: number, out: Float32Array | undefined): Float32Array {
    if (!out) return matmulRows(x, m, this.packed, this.bias);
    linearInto(x, m, this.packed, this.bias, out);
    return out;
  }
}

/** Every tap of a kh×kw kernel. */
export const allTaps = (kh: number, kw: number): number[] => Array.from({ length: kh * kw }, (_, t) => t);

/** out[i] = max(0, x[i]), written into a cache block. */
export function reluInto(x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i]! > 0 ? x[i]! : 0;
}

/** a += b elementwise. */
export function addInPlace(a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
}

/**
 * A pixel network evaluated position by position. `pixel(r, c)` computes every layer at (r, c) from the input cache
 * and returns the output parameters [n, C·P]; it may be called again for the same pixel (a later colour channel) and
 * then overwrites what it wrote. `rowDone(r)` runs once row r is complete.
 */
export interface IncrementalNet {
  /** the scaled input x·2 − 1 of every image, [n, C] per pixel; the driver writes values here */
  readonly input: RowCache;
  /** the output parameters at (r, c); the array may be the network's own buffer, valid until the next call */
  pixel(r: number, c: number): Float32Array;
  rowDone(r: number): void;
}

/** Builds an incremental network for n images (labels: their classes, for class-conditional models). */
export type IncrementalFactory = (n: number, labels: Int32Array | null) => IncrementalNet;

export interface CachedRun {
  shape: [number, number, number];
  output: PixelOutput;
  net: IncrementalNet;
}

/**
 * Ancestral sampling of the unobserved values of `values` [n, C·H·W] (in place) in raster order, drawing from the
 * generator in exactly the order of the full-network loop. A pixel's cached activations never depend on its last
 * channel (the first layer's mask A hides it from every feature group), so they are final once computed with the
 * other channels in place.
 */
export function cachedComplete(run: CachedRun, values: Float32Array, observed: Uint8Array | null, g: Generator): void {
  const [C, H, W] = run.shape,
    D = C * H * W,
    P = run.output.paramsPerChannel,
    { net } = run,
    n = net.input.n;
  for (let r = 0; r < H; r++) {
    for (let col = 0; col < W; col++) {
      const inp = net.input.block(r, col);
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < C; ch++) inp[b * C + ch] = 2 * values[b * D + (ch * H + r) * W + col]! - 1;
      let last = -1;
      for (let ch = 0; ch < C; ch++) {
        const i = (ch * H + r) * W + col;
        if (observed?.[i]) continue;
        const params = net.pixel(r, col),
          p = new Float32Array(n * P);
        last = ch;
        for (let b = 0; b < n; b++) for (let k = 0; k < P; k++) p[b * P + k] = params[(b * C + ch) * P + k]!;
        const v = run.output.sample(p, n, g);
        for (let b = 0; b < n; b++) {
          values[b * D + i] = v[b]!;
          inp[b * C + ch] = 2 * v[b]! - 1;
        }
      }
      if (last !== C - 1) net.pixel(r, col);
    }
    net.rowDone(r);
  }
}

/** The output parameters of every value of fully known images, [n, C·P, H, W], computed through the caches. */
export function cachedParams(run: CachedRun, values: Float32Array): Float32Array {
  const [C, H, W] = run.shape,
    D = C * H * W,
    CP = C * run.output.paramsPerChannel,
    { net } = run,
    n = net.input.n,
    out = new Float32Array(n * CP * H * W);
  for (let r = 0; r < H; r++) {
    for (let col = 0; col < W; col++) {
      const inp = net.input.block(r, col);
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < C; ch++) inp[b * C + ch] = 2 * values[b * D + (ch * H + r) * W + col]! - 1;
      const params = net.pixel(r, col);
      for (let b = 0; b < n; b++)
        for (let k = 0; k < CP; k++) out[((b * CP + k) * H + r) * W + col] = params[b * CP + k]!;
    }
    net.rowDone(r);
  }
  return out;
}
