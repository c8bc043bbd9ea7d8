import type { ReduceName, Storage } from "../backend.js";

export function reduce(op: ReduceName, x: Storage, out: Storage, outer: number, n: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let acc = op === "sum" ? 0 : op === "min" ? Infinity : -Infinity;
      for (let r = 0; r < n; r++) {
        const v = x[base + r * inner]!;
        if (op === "sum") acc += v;
        else if (op === "min") acc = v < acc || Number.isNaN(v) ? v : acc;
        else acc = v > acc || Number.isNaN(v) ? v : acc;
      }
      if (op === "logSumExp" && Number.isFinite(acc)) {
        let s = 0;
        for (let r = 0; r < n; r++) s += Math.exp(x[base + r * inner]! - acc);
        acc += Math.log(s);
      }
      out[o * inner + i] = acc;
    }
  }
}

export function softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let m = -Infinity,
      s = 0;
    for (let i = 0; i < cols; i++) m = Math.max(m, x[base + i]!);
    for (let i = 0; i < cols; i++) s += Math.exp(x[base + i]! - m);
    const ls = Math.log(s);
    for (let i = 0; i < cols; i++) out[base + i] = log ? x[base + i]! - m - ls : Math.exp(x[base + i]! - m - ls);
  }
}

export function softmaxGrad(y: Storage, gy: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    for (let i = 0; i < cols; i++) s += log ? gy[base + i]! : gy[base + i]! * y[base + i]!;
    for (let i = 0; i < cols; i++) {
      out[base + i] = log ? gy[base + i]! - Math.exp(y[base + i]!) * s : y[base + i]! * (gy[base + i]! - s);
    }
  }
}

function logSumExpColumn(z: Storage, base: number, c: number, inner: number): number {
  let m = -Infinity,
    s = 0;
  for (let k = 0; k < c; k++) m = Math.max(m, z[base + k * inner]!);
  for (let k = 0; k < c; k++) s += Math.exp(z[base + k * inner]! - m);
  return m + Math.log(s);
}

export function crossEntropy(z: Storage, t: Int32Array, loss: Storage, outer: number, c: number, inner: number): void {
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * c * inner + i;
      loss[o * inner + i] = logSumExpColumn(z, base, c, inner) - z[base + t[o * inner + i]! * inner]!;
    }
}

export function crossEntropyGrad(
  z: Storage,
  t: Int32Array,
  gl: Storage,
  gz: Storage,
  outer: number,
  c: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * c * inner + i,
        lse = logSumExpColumn(z, base, c, inner),
        g = gl[o * inner + i]!;
      for (let k = 0; k < c; k++) gz[base + k * inner] = g * Math.exp(z[base + k * inner]! - lse);
      gz[base + t[o * inner + i]! * inner]! -= g;
    }
}
