/**
 * The gradient rules of the core ops: one entry per op in op.ts (a missing entry fails `tsc`). Each rule gets the
 * output gradient g, the op's inputs, its output and what the forward saved, and returns one gradient per input (null
 * where none is needed). Rules run with recording off, so they may call any forward op.
 */
import type { UnaryName } from "../backend/backend.js";
import type { Tensor } from "../tensor/tensor-data.js";
import { contiguousStrides, sizeOf } from "../tensor/shape.js";
import type { CoreOp, CoreOpSaved, UnarySaved } from "./op.js";
import type { GradRule, Grads } from "./tape.js";
import { backendFor, contiguousData, empty } from "../ops/util.js";
import { binaryKernel, compare, full, where } from "../ops/elementwise.js";
import { sumToShape } from "../ops/reduce.js";
import { conv2d, isTransposedView } from "../ops/linalg.js";
import { place } from "../ops/movement.js";

/** out = g · f'(x) through the backend's fused derivative kernel. */
const unary =
  (op: UnaryName) =>
  (g: Tensor, [x]: Tensor[], y: Tensor, s: UnarySaved): Grads => {
    const out = empty(x!.shape, x!.dtype);
    backendFor(x!.dtype).unaryGrad(op, contiguousData(x!), y.data, contiguousData(g), out.data, s.alpha, s.beta);
    return [out];
  };

/** g of a reduction, reshaped with kept dims and broadcast back to the input's shape. */
const spread = (g: Tensor, x: Tensor, keepShape: number[]): Tensor => g.reshape(keepShape).expand(x.shape);

const swapLast = (s: readonly number[]): number[] => [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!];

/** The sub-block of g at `offsets` with `shape`. */
function crop(g: Tensor, offsets: number[], shape: readonly number[]): Tensor {
  const out = empty(shape, g.dtype);
  if (out.size === 0) return out;
  const gs = contiguousStrides(g.shape);
  backendFor(g.dtype).stridedCopy(
    contiguousData(g),
    out.data,
    [...shape],
    gs,
    offsets.reduce((p, o, i) => p + o * gs[i]!, 0),
    contiguousStrides(shape),
    0,
    false,
  );
  return out;
}

function extremumRule(g: Tensor, [x]: Tensor[], out: Tensor, s: { keepShape: number[] }): Grads {
  // gradient split evenly among the positions that attain the extremum
  const mask = compare("eq", x!, spread(out, x!, s.keepShape));
  const count = mask.sum(
    x!.shape.map((_, i) => i).filter((i) => s.keepShape[i] === 1 && x!.shape[i] !== 1),
    true,
  );
  return [mask.mul(spread(g, x!, s.keepShape)).div(count.expand(x!.shape))];
}

export const coreGradRules: { [K in CoreOp]: GradRule<CoreOpSaved[K]> } = {
  // d/dx −x = −1
  neg: unary("neg"),
  // d/dx eˣ = eˣ
  exp: unary("exp"),
  // d/dx log x = 1/x
  log: unary("log"),
  // d/dx log(1+x) = 1/(1+x)
  log1p: unary("log1p"),
  // d/dx (eˣ − 1) = eˣ
  expm1: unary("expm1"),
  // d/dx √x = 1/(2√x)
  sqrt: unary("sqrt"),
  // d/dx x² = 2x
  square: unary("square"),
  // d/dx |x| = sign(x)
  abs: unary("abs"),
  // d/dx σ(x) = σ(x)(1 − σ(x))
  sigmoid: unary("sigmoid"),
  // d/dx log σ(x) = σ(−x)
  logSigmoid: unary("logSigmoid"),
  // d/dx tanh x = 1 − tanh² x
  tanh: unary("tanh"),
  // d/dx max(x, 0) = [x > 0]
  relu: unary("relu"),
  // d/dx leaky(x) = [x > 0] + α[x ≤ 0]
  leakyRelu: unary("leakyRelu"),
  // d/dx elu(x) = 1 for x > 0, elu(x) + α otherwise
  elu: unary("elu"),
  // d/dx log(1 + eˣ) = σ(x)
  softplus: unary("softplus"),
  // d/dx erf x = 2/√π e^(−x²)
  erf: unary("erf"),
  // d/dx clamp(x, lo, hi) = [lo ≤ x ≤ hi]
  clamp: unary("clamp"),
  // d/dx (αx + β) = α
  affine: unary("affine"),
  // d/dx xᵖ = p xᵖ⁻¹
  powScalar: unary("powScalar"),
  // d/dx 1/x = −1/x²
  reciprocal: unary("reciprocal"),

  // d(a+b) = da + db, summed over broadcast dims
  add: (g, [a, b]) => [sumToShape(g, a!.shape), sumToShape(g, b!.shape)],
  // d(a−b) = da − db
  sub: (g, [a, b]) => [sumToShape(g, a!.shape), b!.requiresGrad ? sumToShape(g.neg(), b!.shape) : null],
  // d(ab) = b da + a db
  mul: (g, [a, b]) => [
    a!.requiresGrad ? sumToShape(g.mul(b!), a!.shape) : null,
    b!.requiresGrad ? sumToShape(g.mul(a!), b!.shape) : null,
  ],
  // d(a/b) = da/b − a db/b²
  div: (g, [a, b]) => [
    a!.requiresGrad ? sumToShape(g.div(b!), a!.shape) : null,
    b!.requiresGrad ? sumToShape(g.mul(a!).div(b!.square()).neg(), b!.shape) : null,
  ],
  // d(aᵇ) = b aᵇ⁻¹ da + aᵇ log a db
  pow: (g, [a, b], out) => [
    a!.requiresGrad ? sumToShape(g.mul(b!).mul(a!.pow(b!.sub(1))), a!.shape) : null,
    b!.requiresGrad ? sumToShape(g.mul(out).mul(a!.log()), b!.shape) : null,
  ],
  // d min(a,b): to the smaller operand, split evenly on ties
  minimum: (g, [a, b]) => {
    const ma = compare("lt", a!, b!).add(compare("eq", a!, b!).mul(0.5));
    return [sumToShape(g.mul(ma), a!.shape), sumToShape(g.mul(ma.neg().add(1)), b!.shape)];
  },
  // d max(a,b): to the larger operand, split evenly on ties
  maximum: (g, [a, b]) => {
    const ma = compare("gt", a!, b!).add(compare("eq", a!, b!).mul(0.5));
    return [sumToShape(g.mul(ma), a!.shape), sumToShape(g.mul(ma.neg().add(1)), b!.shape)];
  },
  // ∂/∂z BCE(z, t) = σ(z) − t;  ∂/∂t = −z
  bceWithLogits: (g, [z, t]) => [
    sumToShape(binaryKernel("bceLogitsGrad", z!, t!).mul(g), z!.shape),
    t!.requiresGrad ? sumToShape(g.mul(z!).neg(), t!.shape) : null,
  ],
  // d where(c, a, b) = c ? da : db
  where: (g, [a, b], _out, s) => [
    a!.requiresGrad ? sumToShape(where(s.cond, g, 0), a!.shape) : null,
    b!.requiresGrad ? sumToShape(where(s.cond, 0, g), b!.shape) : null,
  ],

  // d Σx = broadcast of g
  sum: (g, [x], _out, s) => [spread(g, x!, s.keepShape)],
  // d max x: to the argmax positions
  max: extremumRule,
  // d min x: to the argmin positions
  min: extremumRule,
  // d logΣeˣ = softmax(x) g
  logSumExp: (g, [x], out, s) => [spread(g, x!, s.keepShape).mul(x!.sub(spread(out, x!, s.keepShape)).exp())],
  // d softmax: y (g − Σ g y)
  softmax: (g, [x], y) => {
    const out = empty(x!.shape, x!.dtype),
      cols = x!.shape[x!.ndim - 1]!;
    backendFor(x!.dtype).softmaxGrad(y.data, contiguousData(g), out.data, x!.size / cols, cols, false);
    return [out];
  },
  // d logsoftmax: g − softmax(x) Σ g
  logSoftmax: (g, [x], y) => {
    const out = empty(x!.shape, x!.dtype),
      cols = x!.shape[x!.ndim - 1]!;
    backendFor(x!.dtype).softmaxGrad(y.data, contiguousData(g), out.data, x!.size / cols, cols, true);
    return [out];
  },
  // ∂/∂z CE = (softmax(z) − onehot(t)) g
  crossEntropy: (g, [z], _out, s) => {
    const out = empty(z!.shape, z!.dtype);
    backendFor(z!.dtype).crossEntropyGrad(
      contiguousData(z!),
      s.target,
      contiguousData(g),
      out.data,
      s.outer,
      s.classes,
      s.inner,
    );
    return [out];
  },

  // d(AB) = dA B + A dB:  ∂A = g Bᵀ, ∂B = Aᵀ g (summed over broadcast batch dims). For an operand that is a
  // transposed view (x·Wᵀ), the transposed gradient is computed instead, so it lands in W's own layout.
  matmul: (g, [a, b]) => [
    !a!.requiresGrad
      ? null
      : isTransposedView(a!)
        ? sumToShape(b!.matmul(g.T), swapLast(a!.shape)).T
        : sumToShape(g.matmul(b!.T), a!.shape),
    !b!.requiresGrad
      ? null
      : isTransposedView(b!)
        ? sumToShape(g.T.matmul(a!), swapLast(b!.shape)).T
        : sumToShape(a!.T.matmul(g), b!.shape),
  ],
  // y = x Wᵀ + b:  ∂x = g W,  ∂W = gᵀ x,  ∂b = Σ_rows g   (x, g flattened to rows)
  linear: (g, [x, w, b], _out, s) => {
    const n = w!.shape[0]!,
      k = w!.shape[1]!,
      g2 = g.reshape(-1, n);
    return [
      x!.requiresGrad ? g2.matmul(w!).reshape(x!.shape) : null,
      w!.requiresGrad ? g2.T.matmul(x!.reshape(-1, k)) : null,
      ...(s.hasBias ? [b!.requiresGrad ? g2.sum(0) : null] : []),
    ];
  },
  // conv: ∂x = convᵀ(g, w), ∂w = Σ g ⊗ im2col(x), ∂b = Σ g
  // one backend call: gz = g · [y > 0] if the output was rectified; ∂b = Σ gz, ∂w = gz ⋆ x⁺,
  // ∂x = (wᵀ ⋆ gz) · [x > 0] if the input was (x⁺ = the input as the kernel read it); ∂residual = g
  conv2d: (g, [x, w, b, r], out, s) => {
    const gx = x!.requiresGrad ? empty(x!.shape, x!.dtype) : null,
      gw = w!.requiresGrad ? empty(w!.shape, w!.dtype) : null,
      gb = s.hasBias && b!.requiresGrad ? empty(b!.shape, b!.dtype) : null;
    backendFor(x!.dtype).conv2dBackward(
      s.geom,
      contiguousData(x!),
      contiguousData(w!),
      out.data,
      contiguousData(g),
      gx?.data ?? null,
      gw?.data ?? null,
      gb?.data ?? null,
    );
    const res = s.hasResidual ? [(s.hasBias ? r : b)!.requiresGrad ? g : null] : [];
    return s.hasBias ? [gx, gw, gb, ...res] : [gx, gw, ...res];
  },
  // convᵀ is conv's input-adjoint: ∂x = conv(g, w), ∂w = conv-weight-grad with the roles of x and g swapped
  convTranspose2d: (g, [x, w, b], _out, s) => {
    const gx = x!.requiresGrad
      ? conv2d(g, w!, null, {
          stride: [s.geom.sh, s.geom.sw],
          padding: [s.geom.ph, s.geom.pw],
          dilation: [s.geom.dh, s.geom.dw],
        })
      : null;
    let gw: Tensor | null = null;
    if (w!.requiresGrad) {
      gw = empty(w!.shape, w!.dtype);
      backendFor(x!.dtype).conv2dGradWeight(s.geom, contiguousData(g), contiguousData(x!), gw.data);
    }
    return s.hasBias ? [gx, gw, b!.requiresGrad ? g.sum([0, 2, 3]) : null] : [gx, gw];
  },
  // d maxpool: g routed to each window's argmax
  maxPool2d: (g, [x], _out, s) => {
    const gx = empty(x!.shape, x!.dtype);
    backendFor(x!.dtype).maxPool2dGrad(s.geom, contiguousData(g), s.argmax, gx.data);
    return [gx];
  },
  // d avgpool: g spread evenly over each window
  avgPool2d: (g, [x], _out, s) => {
    const gx = empty(x!.shape, x!.dtype);
    backendFor(x!.dtype).avgPool2dGrad(s.geom, contiguousData(g), gx.data);
    return [gx];
  },

  // reshape/copy move values, not change them: the gradient moves back
  reshape: (g, [x]) => [g.reshape(x!.shape)],
  copy: (g) => [g],
  // d permute = inverse permute
  permute: (g, _in, _out, s) => [g.permute(s.perm.map((_, i) => s.perm.indexOf(i)))],
  // d expand = sum over the expanded dims
  expand: (g, [x]) => [sumToShape(g, x!.shape)],
  // d slice: g placed back into zeros at the sliced positions
  slice: (g, [x], _out, s) => {
    const gx = full(x!.shape, 0, x!.dtype);
    place(
      gx,
      g,
      x!.shape.map((_, i) => (i === s.axis ? s.start : 0)),
      x!.shape.map((_, i) => (i === s.axis ? s.step : 1)),
    );
    return [gx];
  },
  // d concat: the pieces of g
  concat: (g, inputs, _out, s) => {
    let at = 0;
    return inputs.map((x) => {
      const piece = crop(
        g,
        g.shape.map((_, i) => (i === s.axis ? at : 0)),
        x.shape,
      );
      at += x.shape[s.axis]!;
      return piece;
    });
  },
  // d pad: the interior of g
  pad: (g, [x], _out, s) => [crop(g, s.before, x!.shape)],
  // d indexSelect: g scattered (added) back to the selected rows
  indexSelect: (g, [x], _out, s) => {
    const gx = full(x!.shape, 0, x!.dtype);
    const outer = sizeOf(x!.shape.slice(0, s.axis)),
      inner = sizeOf(x!.shape.slice(s.axis + 1));
    backendFor(x!.dtype).indexAdd(contiguousData(g), s.index, gx.data, outer, x!.shape[s.axis]!, inner, s.index.length);
    return [gx];
  },
  // d gather: scatter-add of g
  gather: (g, [x], _out, s) => {
    const gx = full(x!.shape, 0, x!.dtype);
    const outer = sizeOf(x!.shape.slice(0, s.axis)),
      inner = sizeOf(x!.shape.slice(s.axis + 1));
    backendFor(x!.dtype).scatterAdd(
      contiguousData(g),
      s.index,
      gx.data,
      outer,
      x!.shape[s.axis]!,
      g.shape[s.axis]!,
      inner,
    );
    return [gx];
  },
};
