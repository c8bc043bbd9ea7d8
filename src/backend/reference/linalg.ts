import { type ConvGeom, RELU_INPUT, RELU_OUTPUT, type Storage } from "../backend.js";
import { forEachOffset } from "./elementwise.js";

export function matmul(
  batch: number,
  m: number,
  n: number,
  k: number,
  a: Storage,
  strideA: number,
  transA: boolean,
  b: Storage,
  strideB: number,
  transB: boolean,
  beta: number,
  out: Storage,
): void {
  for (let q = 0; q < batch; q++) {
    const ao = q * strideA,
      bo = q * strideB,
      co = q * m * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++)
          s += a[ao + (transA ? p * m + i : i * k + p)]! * b[bo + (transB ? j * k + p : p * n + j)]!;
        out[co + i * n + j] = beta === 0 ? s : s + beta * out[co + i * n + j]!;
      }
  }
}

export function linear(
  x: Storage,
  w: Storage,
  bias: Storage | null,
  out: Storage,
  m: number,
  k: number,
  n: number,
): void {
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j]! : 0;
      for (let p = 0; p < k; p++) s += x[i * k + p]! * w[j * k + p]!;
      out[i * n + j] = s;
    }
}

export function stridedCopy(
  x: Storage,
  out: Storage,
  shape: number[],
  ss: number[],
  srcOffset: number,
  ds: number[],
  dstOffset: number,
  accumulate: boolean,
): void {
  forEachOffset(shape, [ss, ds], (o) => {
    const d = dstOffset + o[1]!,
      v = x[srcOffset + o[0]!]!;
    out[d] = accumulate ? out[d]! + v : v;
  });
}

export function indexSelect(
  x: Storage,
  idx: Int32Array,
  out: Storage,
  outer: number,
  nIn: number,
  inner: number,
  nIdx: number,
): void {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < nIdx; j++)
      for (let i = 0; i < inner; i++) out[(o * nIdx + j) * inner + i] = x[(o * nIn + idx[j]!) * inner + i]!;
}

export function indexAdd(
  g: Storage,
  idx: Int32Array,
  gx: Storage,
  outer: number,
  nIn: number,
  inner: number,
  nIdx: number,
): void {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < nIdx; j++)
      for (let i = 0; i < inner; i++) gx[(o * nIn + idx[j]!) * inner + i]! += g[(o * nIdx + j) * inner + i]!;
}

export function gather(
  x: Storage,
  idx: Int32Array,
  out: Storage,
  outer: number,
  nIn: number,
  nOut: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < nOut; j++)
      for (let i = 0; i < inner; i++) {
        const q = (o * nOut + j) * inner + i;
        out[q] = x[(o * nIn + idx[q]!) * inner + i]!;
      }
}

export function scatterAdd(
  g: Storage,
  idx: Int32Array,
  gx: Storage,
  outer: number,
  nIn: number,
  nOut: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < nOut; j++)
      for (let i = 0; i < inner; i++) {
        const q = (o * nOut + j) * inner + i;
        gx[(o * nIn + idx[q]!) * inner + i]! += g[q]!;
      }
}

/** Calls fn(n, c, oy, ox, i, j, iy, ix) for every in-image tap of every output position. */
function forEachTap(
  g: ConvGeom,
  nc: number,
  fn: (n: number, c: number, oy: number, ox: number, i: number, j: number, iy: number, ix: number) => void,
): void {
  // a convolution over listed taps skips the others (g.taps is absent for pooling and full convolutions)
  const live = new Uint8Array(g.kh * g.kw).fill(g.taps ? 0 : 1);
  for (const t of g.taps ?? []) live[t] = 1;
  for (let n = 0; n < g.n; n++)
    for (let c = 0; c < nc; c++)
      for (let oy = 0; oy < g.ho; oy++)
        for (let ox = 0; ox < g.wo; ox++)
          for (let i = 0; i < g.kh; i++) {
            const iy = oy * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (let j = 0; j < g.kw; j++) {
              const ix = ox * g.sw - g.pw + j * g.dw;
              if (ix >= 0 && ix < g.w && live[i * g.kw + j]) fn(n, c, oy, ox, i, j, iy, ix);
            }
          }
}

// max(x, 0) as the relu op computes it (NaN and -0 give 0); with a slope, v > 0 ? v : slope·v as leakyRelu does
const rectified = (x: Storage, slope = 0): Storage => x.map((v) => (v > 0 ? v : slope ? slope * v : 0));

// out[n, o, oy, ox] = bias[o] + Σ_{c,i,j} w[o, c, i, j] · x[n, c, iy, ix]; with g.relu, x and/or out rectified
// (out leaky with g.slope)
export function conv2d(
  g: ConvGeom,
  xIn: Storage,
  w: Storage,
  bias: Storage | null,
  out: Storage,
  residual: Storage | null = null,
): void {
  const P = g.ho * g.wo,
    relu = g.relu ?? 0,
    x = relu & RELU_INPUT ? rectified(xIn) : xIn;
  for (let n = 0; n < g.n; n++)
    for (let o = 0; o < g.cOut; o++) out.fill(bias ? bias[o]! : 0, (n * g.cOut + o) * P, (n * g.cOut + o + 1) * P);
  if (residual) for (let i = 0; i < out.length; i++) out[i]! += residual[i]!;
  forEachTap(g, g.c, (n, c, oy, ox, i, j, iy, ix) => {
    const xv = x[((n * g.c + c) * g.h + iy) * g.w + ix]!;
    for (let o = 0; o < g.cOut; o++)
      out[((n * g.cOut + o) * g.ho + oy) * g.wo + ox]! += w[((o * g.c + c) * g.kh + i) * g.kw + j]! * xv;
  });
  if (relu & RELU_OUTPUT) out.set(rectified(out, g.slope));
}

// gz = gy · ([y > 0] + slope·[y ≤ 0]) for a rectified output; gb = Σ gz; gw, gx as for gz, then gx · [x > 0]
// for a rectified input
export function conv2dBackward(
  g: ConvGeom,
  x: Storage,
  w: Storage,
  y: Storage,
  gy: Storage,
  gx: Storage | null,
  gw: Storage | null,
  gb: Storage | null,
): void {
  const relu = g.relu ?? 0,
    P = g.ho * g.wo,
    slope = g.slope ?? 0;
  const gz = relu & RELU_OUTPUT ? gy.map((v, i) => (y[i]! > 0 ? v : slope ? slope * v : 0)) : gy;
  if (gb) {
    gb.fill(0);
    for (let q = 0; q < g.n * g.cOut; q++) for (let p = q * P; p < (q + 1) * P; p++) gb[q % g.cOut]! += gz[p]!;
  }
  if (gw) conv2dGradWeight(g, relu & RELU_INPUT ? rectified(x) : x, gz, gw);
  if (gx) {
    conv2dGradInput(g, gz, w, gx);
    if (relu & RELU_INPUT) for (let i = 0; i < gx.length; i++) gx[i] = x[i]! > 0 ? gx[i]! : 0;
  }
}

export function conv2dGradInput(g: ConvGeom, gy: Storage, w: Storage, gx: Storage): void {
  gx.fill(0);
  forEachTap(g, g.c, (n, c, oy, ox, i, j, iy, ix) => {
    let s = 0;
    for (let o = 0; o < g.cOut; o++)
      s += w[((o * g.c + c) * g.kh + i) * g.kw + j]! * gy[((n * g.cOut + o) * g.ho + oy) * g.wo + ox]!;
    gx[((n * g.c + c) * g.h + iy) * g.w + ix]! += s;
  });
}

export function conv2dGradWeight(g: ConvGeom, x: Storage, gy: Storage, gw: Storage): void {
  gw.fill(0);
  forEachTap(g, g.c, (n, c, oy, ox, i, j, iy, ix) => {
    const xv = x[((n * g.c + c) * g.h + iy) * g.w + ix]!;
    for (let o = 0; o < g.cOut; o++)
      gw[((o * g.c + c) * g.kh + i) * g.kw + j]! += gy[((n * g.cOut + o) * g.ho + oy) * g.wo + ox]! * xv;
  });
}

export function maxPool2d(g: ConvGeom, x: Storage, out: Storage, argmax: Int32Array): void {
  out.fill(-Infinity);
  argmax.fill(-1);
  forEachTap(g, g.c, (n, c, oy, ox, _i, _j, iy, ix) => {
    const q = ((n * g.c + c) * g.ho + oy) * g.wo + ox,
      v = x[((n * g.c + c) * g.h + iy) * g.w + ix]!;
    if (argmax[q]! < 0 || v > out[q]! || Number.isNaN(v)) {
      out[q] = v;
      argmax[q] = iy * g.w + ix;
    }
  });
}

export function maxPool2dGrad(g: ConvGeom, gy: Storage, argmax: Int32Array, gx: Storage): void {
  gx.fill(0);
  const P = g.ho * g.wo,
    HW = g.h * g.w;
  for (let nc = 0; nc < g.n * g.c; nc++)
    for (let q = 0; q < P; q++) if (argmax[nc * P + q]! >= 0) gx[nc * HW + argmax[nc * P + q]!]! += gy[nc * P + q]!;
}

export function avgPool2d(g: ConvGeom, x: Storage, out: Storage): void {
  out.fill(0);
  const s = 1 / (g.kh * g.kw);
  forEachTap(g, g.c, (n, c, oy, ox, _i, _j, iy, ix) => {
    out[((n * g.c + c) * g.ho + oy) * g.wo + ox]! += s * x[((n * g.c + c) * g.h + iy) * g.w + ix]!;
  });
}

export function avgPool2dGrad(g: ConvGeom, gy: Storage, gx: Storage): void {
  gx.fill(0);
  const s = 1 / (g.kh * g.kw);
  forEachTap(g, g.c, (n, c, oy, ox, _i, _j, iy, ix) => {
    gx[((n * g.c + c) * g.h + iy) * g.w + ix]! += s * gy[((n * g.c + c) * g.ho + oy) * g.wo + ox]!;
  });
}
