import type { BinaryName, Storage, UnaryName } from "../backend.js";
import { binaryFn, unaryDerivative, unaryFn } from "./scalar.js";

/** Visits every index of `shape`, passing the linear offsets into each strided operand and the output position. */
export function forEachOffset(
  shape: number[],
  strideSets: number[][],
  fn: (offsets: number[], i: number) => void,
): void {
  const nd = shape.length,
    total = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(nd).fill(0),
    off = strideSets.map(() => 0);
  for (let i = 0; i < total; i++) {
    fn(off, i);
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      strideSets.forEach((s, k) => (off[k]! += s[d]!));
      if (idx[d]! < shape[d]!) break;
      strideSets.forEach((s, k) => (off[k]! -= s[d]! * shape[d]!));
      idx[d] = 0;
    }
  }
}

export function unary(op: UnaryName, x: Storage, out: Storage, a: number, b: number): void {
  const f = unaryFn(op, a, b);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
}

export function unaryGrad(
  op: UnaryName,
  x: Storage | null,
  y: Storage | null,
  gy: Storage,
  out: Storage,
  a: number,
  b: number,
): void {
  const d = unaryDerivative(op, a, b);
  for (let i = 0; i < gy.length; i++) out[i] = gy[i]! * d(x ? x[i]! : NaN, y ? y[i]! : NaN);
}

export function binary(
  op: BinaryName,
  a: Storage,
  b: Storage,
  out: Storage,
  shape: number[],
  sa: number[],
  sb: number[],
): void {
  const f = binaryFn(op);
  forEachOffset(shape, [sa, sb], (o, i) => (out[i] = f(a[o[0]!]!, b[o[1]!]!)));
}

export function where(
  c: Storage,
  a: Storage,
  b: Storage,
  out: Storage,
  shape: number[],
  sc: number[],
  sa: number[],
  sb: number[],
): void {
  forEachOffset(shape, [sc, sa, sb], (o, i) => (out[i] = c[o[0]!] !== 0 ? a[o[1]!]! : b[o[2]!]!));
}
