/**
 * The native backend: loads the C++ addon built by node-gyp and adapts it to the Backend contract. Shapes and
 * strides are packed into one Float64Array per call. float32 only; float64 tensors always use the reference backend.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { Backend, ConvGeom, Storage } from "../backend.js";
import { BinaryOp, ReduceOp, UnaryOp } from "../backend.js";
import { collapseDims } from "../../tensor/shape.js";

/** The addon's raw functions (see native/binding/addon.cc for argument order). */
export interface NativeAddon {
  setThreads(n: number): void;
  getThreads(): number;
  simd(): string;
  gemm(
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    lda: number,
    transA: boolean,
    b: Float32Array,
    ldb: number,
    transB: boolean,
    c: Float32Array,
    ldc: number,
    threads: number,
  ): void;
  [name: string]: (...args: never[]) => unknown;
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export function loadAddon(): NativeAddon {
  const require = createRequire(import.meta.url);
  return require(path.join(packageRoot, "build/Release/deepgen_native.node")) as NativeAddon;
}

const f32 = (s: Storage): Float32Array => s as Float32Array;
const MAX_DIMS = 16; // the kernels keep multi-indices in fixed arrays of this size
/** Packs [ndim, ...shape, ...strides per operand] into one Float64Array for the addon. */
function dims(shape: number[], ...strides: number[][]): Float64Array {
  const nd = shape.length;
  if (nd > MAX_DIMS)
    throw new RangeError(`native backend: ${nd} dims after merging contiguous ones; at most ${MAX_DIMS} are supported`);
  const out = new Float64Array(1 + nd * (1 + strides.length));
  out[0] = nd;
  for (let i = 0; i < nd; i++) out[1 + i] = shape[i]!;
  strides.forEach((s, k) => {
    for (let i = 0; i < nd; i++) out[1 + nd * (k + 1) + i] = s[i]!;
  });
  return out;
}
const geom = (g: ConvGeom): Float64Array =>
  Float64Array.of(g.n, g.c, g.h, g.w, g.cOut, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.ho, g.wo);

export function createNativeBackend(addon: NativeAddon): Backend {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const a = addon as any;
  return {
    name: "native",
    unary: (op, x, out, al, be) => a.unary(UnaryOp[op], x, out, x.length, al, be),
    unaryGrad: (op, x, y, gy, out, al, be) => a.unaryGrad(UnaryOp[op], x, y, gy, out, gy.length, al, be),
    binary: (op, x, y, out, shape, sa, sb) => a.binary(BinaryOp[op], x, y, out, dims(shape, sa, sb)),
    where: (c, x, y, out, shape, sc, sa, sb) => a.where(c, x, y, out, dims(shape, sc, sa, sb)),
    reduce: (op, x, out, outer, n, inner) => a.reduce(ReduceOp[op], x, out, outer, n, inner),
    softmax: (x, out, rows, cols, log) => a.softmax(x, out, rows, cols, log),
    softmaxGrad: (y, gy, out, rows, cols, log) => a.softmaxGrad(y, gy, out, rows, cols, log),
    crossEntropy: (z, t, loss, outer, c, inner) => a.crossEntropy(z, t, loss, outer, c, inner),
    crossEntropyGrad: (z, t, gl, gz, outer, c, inner) => a.crossEntropyGrad(z, t, gl, gz, outer, c, inner),
    matmul: (batch, m, n, k, x, sA, tA, y, sB, tB, beta, out) =>
      a.matmul(batch, m, n, k, x, sA, tA, y, sB, tB, beta, out),
    linear: (x, w, bias, out, m, k, n) => a.linear(x, w, bias, out, m, k, n),
    stridedCopy: (x, out, shape, ss, so, ds, dof, acc) => {
      const c = collapseDims(shape, ss, ds); // ≥ 1 dim, fewer loops
      a.stridedCopy(x, out, dims(c.shape, c.strides[0]!, c.strides[1]!), so, dof, acc);
    },
    indexSelect: (x, idx, out, outer, nIn, inner, nIdx) => a.indexSelect(x, idx, out, outer, nIn, inner, nIdx),
    indexAdd: (g, idx, gx, outer, nIn, inner, nIdx) => a.indexAdd(g, idx, gx, outer, nIn, inner, nIdx),
    gather: (x, idx, out, outer, nIn, nOut, inner) => a.gather(x, idx, out, outer, nIn, nOut, inner),
    scatterAdd: (g, idx, gx, outer, nIn, nOut, inner) => a.scatterAdd(g, idx, gx, outer, nIn, nOut, inner),
    conv2d: (g, x, w, bias, out, residual) =>
      g.relu || residual
        ? a.conv2dRelu(geom(g), g.taps ?? null, g.relu ?? 0, g.slope ?? 0, x, w, bias, out, residual ?? null)
        : g.taps
          ? a.conv2dTaps(geom(g), g.taps, x, w, bias, out)
          : a.conv2d(geom(g), x, w, bias, out),
    conv2dGradInput: (g, gy, w, gx) =>
      g.taps ? a.conv2dTapsGradInput(geom(g), g.taps, gy, w, gx) : a.conv2dGradInput(geom(g), gy, w, gx),
    conv2dGradWeight: (g, x, gy, gw) =>
      g.taps ? a.conv2dTapsGradWeight(geom(g), g.taps, x, gy, gw) : a.conv2dGradWeight(geom(g), x, gy, gw),
    conv2dBackward: (g, x, w, y, gy, gx, gw, gb) =>
      a.conv2dReluBackward(geom(g), g.taps ?? null, g.relu ?? 0, g.slope ?? 0, x, w, y, gy, gx, gw, gb),
    maxPool2d: (g, x, out, am) => a.maxPool2d(geom(g), x, out, am),
    maxPool2dGrad: (g, gy, am, gx) => a.maxPool2dGrad(geom(g), gy, am, gx),
    avgPool2d: (g, x, out) => a.avgPool2d(geom(g), x, out),
    avgPool2dGrad: (g, gy, gx) => a.avgPool2dGrad(geom(g), gy, gx),
    adam: (p, g, m, v, lr, b1, b2, eps, bc1, bc2, wd, dec) =>
      a.adam(f32(p), g, m, v, lr, b1, b2, eps, bc1, bc2, wd, dec),
  };
}
