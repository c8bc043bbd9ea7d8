/** Matrix products (batched, reading transposed views through GEMM flags), convolution and pooling. */
import { type ConvGeom, RELU_INPUT, RELU_OUTPUT, type Storage } from "../backend/backend.js";
import { record } from "../autograd/tape.js";
import { broadcastShapes, contiguousStrides, fmt, sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor-data.js";
import { expand } from "./movement.js";
import { type Rectifier, rectifierSlope } from "./rectifier.js";
import { backendFor, checkLinear, checkTensor, contiguousData, empty, sameDType } from "./util.js";

/** The storage of x as a dense row-major matrix stack, or of its last-two-dims transpose (trans = true). */
function matrixOperand(x: Tensor): { data: Storage; trans: boolean } {
  if (x.isContiguous() && x.data.length === x.size) return { data: x.data, trans: false };
  const nd = x.ndim;
  const swapped = [...x.shape];
  [swapped[nd - 2], swapped[nd - 1]] = [swapped[nd - 1]!, swapped[nd - 2]!];
  const want = contiguousStrides(swapped);
  const s = [...x.strides];
  [s[nd - 2], s[nd - 1]] = [s[nd - 1]!, s[nd - 2]!];
  const isT = x.data.length === x.size && s.every((v, i) => v === want[i] || swapped[i] === 1);
  return isT ? { data: x.data, trans: true } : { data: contiguousData(x), trans: false };
}

/** True when x is the last-two-dims transpose of a dense tensor (x = y.T for contiguous y). */
export function isTransposedView(x: Tensor): boolean {
  return x.ndim >= 2 && matrixOperand(x).trans;
}

/** a [..., m, k] · b [..., k, n] → [..., m, n] with numpy batch broadcasting. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor("matmul", a, "left operand");
  checkTensor("matmul", b, "right operand");
  const dtype = sameDType("matmul", a, b);
  if (a.ndim < 2 || b.ndim < 2) {
    throw new TypeError(
      `matmul: ${fmt(a.shape)} × ${fmt(b.shape)}: ` +
        "both operands need at least 2 dims (reshape vectors to [1,k] or [k,1])",
    );
  }
  const m = a.shape[a.ndim - 2]!,
    k = a.shape[a.ndim - 1]!,
    k2 = b.shape[b.ndim - 2]!,
    n = b.shape[b.ndim - 1]!;
  if (k !== k2)
    throw new TypeError(`matmul: ${fmt(a.shape)} × ${fmt(b.shape)}: inner dimensions ${k} and ${k2} differ`);
  const batchShape = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(batchShape);
  // an operand whose batch is neither complete nor a single matrix is materialized at full batch size
  const fit = (x: Tensor): Tensor => {
    const xb = sizeOf(x.shape.slice(0, -2));
    return xb === batch || xb === 1 ? x : expand(x, [...batchShape, ...x.shape.slice(-2)]);
  };
  const A = fit(a),
    B = fit(b);
  const out = empty([...batchShape, m, n], dtype);
  if (out.size > 0) {
    const oa = matrixOperand(A),
      ob = matrixOperand(B);
    const sa = sizeOf(A.shape.slice(0, -2)) === 1 ? 0 : m * k,
      sb = sizeOf(B.shape.slice(0, -2)) === 1 ? 0 : k * n;
    backendFor(dtype).matmul(batch, m, n, k, oa.data, sa, oa.trans, ob.data, sb, ob.trans, 0, out.data);
  }
  return record("matmul", [a, b], out, {});
}

/** A fully connected layer in one kernel: x [..., in] · weight [out, in]ᵀ + bias [out] → [..., out]. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const { n, k, dtype } = checkLinear("linear", x, weight, bias);
  const m = x.size / Math.max(k, 1);
  const out = empty([...x.shape.slice(0, -1), n], dtype);
  if (out.size > 0)
    backendFor(dtype).linear(
      contiguousData(x),
      contiguousData(weight),
      bias ? contiguousData(bias) : null,
      out.data,
      m,
      k,
      n,
    );
  return record("linear", bias ? [x, weight, bias] : [x, weight], out, { hasBias: !!bias });
}

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  /**
   * conv2d only: the kernel positions (i·kw + j, increasing) that take part. The weights at other positions are
   * ignored and get zero gradient, and the kernels skip their work (a masked PixelCNN layer lists its visible taps).
   */
  taps?: readonly number[];
  /**
   * conv2d only: rectifies the output in the same kernel pass: "relu" max(conv(x), 0), "leaky-relu"
   * v > 0 ? v : slope·v with v = conv(x); the gradient is masked by the output's sign in the backward's pass.
   */
  activation?: Rectifier;
  /** conv2d only: the leaky-relu slope (≥ 0; default 0.01, as leakyRelu()). */
  slope?: number;
  /** conv2d only: "relu" rectifies the input as the kernel reads it (conv(max(x, 0)): pre-activation blocks). */
  preActivation?: "relu";
  /**
   * conv2d only: a tensor of the output's shape added to the result as the kernel writes it (r + conv(x): a residual
   * block's skip connection without a separate add). Not together with `activation`.
   */
  residual?: Tensor;
}

/** The geometry's relu flags and the output's leaky slope (0: ReLU, or none) for these options. */
function reluFlags(o: Conv2dOptions): { flags: number; slope: number } {
  if (o.preActivation !== undefined && o.preActivation !== "relu")
    throw new RangeError(`conv2d: preActivation must be "relu" or absent, got "${o.preActivation}"`);
  const slope = rectifierSlope("conv2d", o.activation, o.slope);
  return { flags: (o.preActivation ? RELU_INPUT : 0) | (slope !== null ? RELU_OUTPUT : 0), slope: slope ?? 0 };
}

function checkTaps(kh: number, kw: number, taps: readonly number[]): Int32Array {
  taps.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= kh * kw || (i > 0 && t <= taps[i - 1]!))
      throw new RangeError(
        `conv2d: taps [${taps.join(",")}] must be increasing integers in [0, ${kh * kw}) for a ${kh}×${kw} kernel`,
      );
  });
  if (taps.length === 0) throw new RangeError("conv2d: taps is empty; a convolution needs at least one live tap");
  return Int32Array.from(taps);
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === "number" ? [v, v] : v;

function geometry(
  op: string,
  x: Tensor,
  cOut: number,
  kh: number,
  kw: number,
  o: Conv2dOptions,
  transposed = false,
  outputPadding = 0,
): ConvGeom {
  const [sh, sw] = pair(o.stride, 1),
    [ph, pw] = pair(o.padding, 0),
    [dh, dw] = pair(o.dilation, 1);
  for (const [name, v, min] of [
    ["stride", sh, 1],
    ["stride", sw, 1],
    ["padding", ph, 0],
    ["padding", pw, 0],
    ["dilation", dh, 1],
    ["dilation", dw, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${op}: ${name} must be an integer ≥ ${min}, got ${v}`);
  }
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (!transposed) {
    const ho = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1,
      wo = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
    if (ho <= 0 || wo <= 0)
      throw new RangeError(
        `${op}: input ${fmt(x.shape)} is smaller than the ${kh}×${kw} kernel (dilation ${dh}, padding ${ph})`,
      );
    return { n, c, h, w, cOut, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo };
  }
  // transposed: x is the "output" side of a forward convolution whose input is [n, cOut, H, W]
  const H = (h - 1) * sh - 2 * ph + dh * (kh - 1) + 1 + outputPadding,
    W = (w - 1) * sw - 2 * pw + dw * (kw - 1) + 1 + outputPadding;
  if (H <= 0 || W <= 0) throw new RangeError(`${op}: output size ${H}×${W} is not positive for input ${fmt(x.shape)}`);
  return { n, c: cOut, h: H, w: W, cOut: c, kh, kw, sh, sw, ph, pw, dh, dw, ho: h, wo: w };
}

/** 2-D cross-correlation, NCHW: x [N, C, H, W], weight [Cout, C, kh, kw], bias [Cout]. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  checkTensor("conv2d", x);
  checkTensor("conv2d", weight, "weight");
  sameDType("conv2d", x, weight);
  if (x.ndim !== 4 || weight.ndim !== 4)
    throw new TypeError(
      `conv2d: input ${fmt(x.shape)} and weight ${fmt(weight.shape)} must both be 4-D (NCHW, [Cout,C,kh,kw])`,
    );
  if (weight.shape[1] !== x.shape[1])
    throw new TypeError(
      `conv2d: input ${fmt(x.shape)} has ${x.shape[1]} channels ` +
        `but weight ${fmt(weight.shape)} expects ${weight.shape[1]}`,
    );
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0]))
    throw new TypeError(`conv2d: bias ${fmt(bias.shape)} must be [${weight.shape[0]}]`);
  const g = geometry("conv2d", x, weight.shape[0]!, weight.shape[2]!, weight.shape[3]!, opts);
  if (opts.taps && opts.taps.length < g.kh * g.kw) g.taps = checkTaps(g.kh, g.kw, opts.taps);
  const { flags, slope } = reluFlags(opts);
  if (flags) g.relu = flags;
  if (slope > 0) g.slope = slope;
  const outShape = [g.n, g.cOut, g.ho, g.wo],
    r = opts.residual;
  if (r) checkResidual(r, x, outShape, opts);
  const out = empty(outShape, x.dtype);
  if (out.size > 0)
    backendFor(x.dtype).conv2d(
      g,
      contiguousData(x),
      contiguousData(weight),
      bias ? contiguousData(bias) : null,
      out.data,
      r ? contiguousData(r) : null,
    );
  const inputs = [x, weight, ...(bias ? [bias] : []), ...(r ? [r] : [])];
  return record("conv2d", inputs, out, { geom: g, hasBias: !!bias, hasResidual: !!r });
}

function checkResidual(r: Tensor, x: Tensor, outShape: number[], opts: Conv2dOptions): void {
  checkTensor("conv2d", r, "residual");
  sameDType("conv2d", x, r);
  if (r.ndim !== 4 || r.shape.some((d, i) => d !== outShape[i]))
    throw new TypeError(`conv2d: residual ${fmt(r.shape)} must have the output's shape ${fmt(outShape)}`);
  if (opts.activation)
    throw new RangeError("conv2d: residual and activation together are ambiguous; apply the activation separately");
}

/** Transposed convolution (the adjoint of conv2d in its input): x [N, Cin, H, W], weight [Cin, Cout, kh, kw]. */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  opts: Conv2dOptions & { outputPadding?: number } = {},
): Tensor {
  checkTensor("convTranspose2d", x);
  checkTensor("convTranspose2d", weight, "weight");
  sameDType("convTranspose2d", x, weight);
  if (x.ndim !== 4 || weight.ndim !== 4)
    throw new TypeError(`convTranspose2d: input ${fmt(x.shape)} and weight ${fmt(weight.shape)} must both be 4-D`);
  if (weight.shape[0] !== x.shape[1])
    throw new TypeError(
      `convTranspose2d: input ${fmt(x.shape)} has ${x.shape[1]} channels ` +
        `but weight ${fmt(weight.shape)} expects ${weight.shape[0]}`,
    );
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[1]))
    throw new TypeError(`convTranspose2d: bias ${fmt(bias.shape)} must be [${weight.shape[1]}]`);
  const g = geometry(
    "convTranspose2d",
    x,
    weight.shape[1]!,
    weight.shape[2]!,
    weight.shape[3]!,
    opts,
    true,
    opts.outputPadding ?? 0,
  );
  const out = empty([g.n, g.c, g.h, g.w], x.dtype);
  const be = backendFor(x.dtype);
  if (out.size > 0) {
    be.conv2dGradInput(g, contiguousData(x), contiguousData(weight), out.data);
    // + bias[c], in place through the broadcasting add kernel (out viewed as [n, c, h·w], bias strides [0, 1, 0])
    if (bias)
      be.binary(
        "add",
        out.data,
        contiguousData(bias),
        out.data,
        [g.n, g.c, g.h * g.w],
        [g.c * g.h * g.w, g.h * g.w, 1],
        [0, 1, 0],
      );
  }
  return record("convTranspose2d", bias ? [x, weight, bias] : [x, weight], out, { geom: g, hasBias: !!bias });
}

/** 1-D convolution over [N, C, L] with weight [Cout, C, k]: conv2d on a height-1 image. */
export function conv1d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  opts: { stride?: number; padding?: number; dilation?: number } = {},
): Tensor {
  if (x.ndim !== 3 || weight.ndim !== 3)
    throw new TypeError(
      `conv1d: input ${fmt(x.shape)} and weight ${fmt(weight.shape)} must both be 3-D ([N,C,L], [Cout,C,k])`,
    );
  const y = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, {
    stride: [1, opts.stride ?? 1],
    padding: [0, opts.padding ?? 0],
    dilation: [1, opts.dilation ?? 1],
  });
  return y.squeeze(2);
}

export function maxPool2d(x: Tensor, kernel: number | [number, number], opts: Conv2dOptions = {}): Tensor {
  checkTensor("maxPool2d", x);
  if (x.ndim !== 4) throw new TypeError(`maxPool2d: input ${fmt(x.shape)} must be 4-D (NCHW)`);
  const [kh, kw] = pair(kernel, 1);
  const g = geometry("maxPool2d", x, x.shape[1]!, kh, kw, {
    stride: opts.stride ?? [kh, kw],
    padding: opts.padding,
    dilation: opts.dilation,
  });
  const out = empty([g.n, g.c, g.ho, g.wo], x.dtype),
    argmax = new Int32Array(out.size);
  if (out.size > 0) backendFor(x.dtype).maxPool2d(g, contiguousData(x), out.data, argmax);
  return record("maxPool2d", [x], out, { geom: g, argmax });
}

export function avgPool2d(x: Tensor, kernel: number | [number, number], opts: Conv2dOptions = {}): Tensor {
  checkTensor("avgPool2d", x);
  if (x.ndim !== 4) throw new TypeError(`avgPool2d: input ${fmt(x.shape)} must be 4-D (NCHW)`);
  const [kh, kw] = pair(kernel, 1);
  const g = geometry("avgPool2d", x, x.shape[1]!, kh, kw, {
    stride: opts.stride ?? [kh, kw],
    padding: opts.padding,
    dilation: opts.dilation,
  });
  const out = empty([g.n, g.c, g.ho, g.wo], x.dtype);
  if (out.size > 0) backendFor(x.dtype).avgPool2d(g, contiguousData(x), out.data);
  return record("avgPool2d", [x], out, { geom: g });
}
