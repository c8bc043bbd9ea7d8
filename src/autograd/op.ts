/**
 * Every core differentiable op and what its forward saves for backward. `CoreOp` is the key set of this interface,
 * and the core gradient table in grad-rules.ts is typed `{ [K in CoreOp]: GradRule<CoreOpSaved[K]> }`, so an op
 * without a rule fails to compile. Fused ops (src/fused/) declare their saved state and rule in their own module;
 * src/autograd/gradient-table.ts joins both into `Op` and the one table backward() uses.
 */
import type { ConvGeom } from "../backend/backend.js";

export interface UnarySaved {
  alpha: number;
  beta: number;
}
export interface ReduceSaved {
  keepShape: number[];
}
type None = Record<string, never>;

export interface CoreOpSaved {
  // elementwise, one input
  neg: UnarySaved;
  exp: UnarySaved;
  log: UnarySaved;
  log1p: UnarySaved;
  expm1: UnarySaved;
  sqrt: UnarySaved;
  square: UnarySaved;
  abs: UnarySaved;
  sigmoid: UnarySaved;
  logSigmoid: UnarySaved;
  tanh: UnarySaved;
  relu: UnarySaved;
  leakyRelu: UnarySaved;
  elu: UnarySaved;
  softplus: UnarySaved;
  erf: UnarySaved;
  clamp: UnarySaved;
  affine: UnarySaved;
  powScalar: UnarySaved;
  reciprocal: UnarySaved;
  // elementwise, broadcasting
  add: None;
  sub: None;
  mul: None;
  div: None;
  pow: None;
  minimum: None;
  maximum: None;
  bceWithLogits: None;
  where: { cond: import("../tensor/tensor-data.js").Tensor };
  // reductions
  sum: ReduceSaved;
  max: ReduceSaved;
  min: ReduceSaved;
  logSumExp: ReduceSaved;
  softmax: { axis: number };
  logSoftmax: { axis: number };
  crossEntropy: { target: Int32Array; outer: number; classes: number; inner: number };
  // linear algebra and convolution
  matmul: None;
  linear: { hasBias: boolean };
  conv2d: { geom: ConvGeom; hasBias: boolean; hasResidual?: boolean };
  convTranspose2d: { geom: ConvGeom; hasBias: boolean };
  maxPool2d: { geom: ConvGeom; argmax: Int32Array };
  avgPool2d: { geom: ConvGeom };
  // movement
  reshape: None;
  copy: None;
  permute: { perm: number[] };
  expand: None;
  slice: { axis: number; start: number; step: number };
  concat: { axis: number; sizes: number[] };
  pad: { before: number[] };
  indexSelect: { axis: number; index: Int32Array };
  gather: { axis: number; index: Int32Array };
}

export type CoreOp = keyof CoreOpSaved;
