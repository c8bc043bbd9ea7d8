/** The reference backend: plain TypeScript loops in float64 arithmetic, the oracle for every native kernel. */
import type { Backend, Storage } from "../backend.js";
import { binary, unary, unaryGrad, where } from "./elementwise.js";
import * as L from "./linalg.js";
import { crossEntropy, crossEntropyGrad, reduce, softmax, softmaxGrad } from "./reduce.js";

function adam(
  p: Storage,
  g: Storage,
  m: Storage,
  v: Storage,
  lr: number,
  b1: number,
  b2: number,
  eps: number,
  bc1: number,
  bc2: number,
  wd: number,
  decoupled: boolean,
): void {
  for (let i = 0; i < p.length; i++) {
    let gi = g[i]!;
    if (wd !== 0) {
      if (decoupled) p[i]! -= lr * wd * p[i]!;
      else gi += wd * p[i]!;
    }
    m[i] = b1 * m[i]! + (1 - b1) * gi;
    v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
    p[i]! -= ((lr / bc1) * m[i]!) / (Math.sqrt(v[i]!) / Math.sqrt(bc2) + eps);
  }
}

export const referenceBackend: Backend = {
  name: "reference",
  unary,
  unaryGrad,
  binary,
  where,
  reduce,
  softmax,
  softmaxGrad,
  crossEntropy,
  crossEntropyGrad,
  matmul: L.matmul,
  linear: L.linear,
  stridedCopy: L.stridedCopy,
  indexSelect: L.indexSelect,
  indexAdd: L.indexAdd,
  gather: L.gather,
  scatterAdd: L.scatterAdd,
  conv2d: L.conv2d,
  conv2dGradInput: L.conv2dGradInput,
  conv2dGradWeight: L.conv2dGradWeight,
  conv2dBackward: L.conv2dBackward,
  maxPool2d: L.maxPool2d,
  maxPool2dGrad: L.maxPool2dGrad,
  avgPool2d: L.avgPool2d,
  avgPool2dGrad: L.avgPool2dGrad,
  adam,
};
