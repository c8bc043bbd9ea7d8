/** Scalar math in float64 for the reference backend: the definitions every native kernel is checked against. */
import type { BinaryName, UnaryName } from "../backend.js";

/** erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)); all terms positive, so no cancellation. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  let term = ax,
    sum = ax;
  for (let n = 1; n < 200; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
}

const log1pExpNeg = (ax: number): number => Math.log1p(Math.exp(-ax));
export const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
export const softplus = (x: number): number => Math.max(x, 0) + log1pExpNeg(Math.abs(x));

export function unaryFn(op: UnaryName, a: number, b: number): (x: number) => number {
  switch (op) {
    case "neg":
      return (x) => -x;
    case "exp":
      return Math.exp;
    case "log":
      return Math.log;
    case "log1p":
      return Math.log1p;
    case "expm1":
      return Math.expm1;
    case "sqrt":
      return Math.sqrt;
    case "square":
      return (x) => x * x;
    case "abs":
      return Math.abs;
    case "sigmoid":
      return sigmoid;
    case "logSigmoid":
      return (x) => Math.min(x, 0) - log1pExpNeg(Math.abs(x));
    case "tanh":
      return Math.tanh;
    case "relu":
      return (x) => (x > 0 ? x : 0);
    case "leakyRelu":
      return (x) => (x > 0 ? x : a * x);
    case "elu":
      return (x) => (x > 0 ? x : a * Math.expm1(x));
    case "softplus":
      return softplus;
    case "erf":
      return erf;
    case "clamp":
      return (x) => (x < a ? a : x > b ? b : x);
    case "affine":
      return (x) => a * x + b;
    case "powScalar":
      return (x) => Math.pow(x, a);
    case "sign":
      return Math.sign;
    case "reciprocal":
      return (x) => 1 / x;
  }
}

/** d f(x) / dx given x and y = f(x). */
export function unaryDerivative(op: UnaryName, a: number, b: number): (x: number, y: number) => number {
  switch (op) {
    case "neg":
      return () => -1;
    case "exp":
      return (_x, y) => y;
    case "log":
      return (x) => 1 / x;
    case "log1p":
      return (x) => 1 / (1 + x);
    case "expm1":
      return (_x, y) => y + 1;
    case "sqrt":
      return (_x, y) => 0.5 / y;
    case "square":
      return (x) => 2 * x;
    case "abs":
      return (x) => Math.sign(x);
    case "sigmoid":
      return (_x, y) => y * (1 - y);
    case "logSigmoid":
      return (x) => sigmoid(-x);
    case "tanh":
      return (_x, y) => 1 - y * y;
    case "relu":
      return (x) => (x > 0 ? 1 : 0);
    case "leakyRelu":
      return (x) => (x > 0 ? 1 : a);
    case "elu":
      return (x, y) => (x > 0 ? 1 : y + a);
    case "softplus":
      return (x) => sigmoid(x);
    case "erf":
      return (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
    case "clamp":
      return (x) => (x >= a && x <= b ? 1 : 0);
    case "affine":
      return () => a;
    case "powScalar":
      return (x) => a * Math.pow(x, a - 1);
    case "sign":
      return () => 0;
    case "reciprocal":
      return (_x, y) => -y * y;
  }
}

export function binaryFn(op: BinaryName): (a: number, b: number) => number {
  switch (op) {
    case "add":
      return (a, b) => a + b;
    case "sub":
      return (a, b) => a - b;
    case "mul":
      return (a, b) => a * b;
    case "div":
      return (a, b) => a / b;
    case "pow":
      return Math.pow;
    case "minimum":
      return (a, b) => (a < b ? a : b);
    case "maximum":
      return (a, b) => (a > b ? a : b);
    case "eq":
      return (a, b) => +(a === b);
    case "ne":
      return (a, b) => +(a !== b);
    case "lt":
      return (a, b) => +(a < b);
    case "le":
      return (a, b) => +(a <= b);
    case "gt":
      return (a, b) => +(a > b);
    case "ge":
      return (a, b) => +(a >= b);
    case "bceLogits":
      return (z, t) => Math.max(z, 0) - z * t + log1pExpNeg(Math.abs(z));
    case "bceLogitsGrad":
      return (z, t) => sigmoid(z) - t;
  }
}
