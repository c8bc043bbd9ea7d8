/** Normalisation, embedding, dropout and recurrent cells. */
import { bernoulli, ones, randn, zeros } from "../tensor/create.js";
import { type BatchNormActivation, batchNormTrain } from "../fused/batch-norm/index.js";
import { rectifierSlope } from "../ops/rectifier.js";
import type { Generator } from "../tensor/rng.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { defaultUniform } from "./init.js";
import { Module } from "./module.js";

export interface NormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
}

/**
 * BatchNorm's options: a norm's, and the activation that follows it (`activation: "relu"`, or "leaky-relu" with
 * `slope`), applied inside batch norm's kernel pass in training; the parameters and state are those of the plain layer.
 */
export interface BatchNormOptions extends NormOptions, BatchNormActivation {}

/**
 * Batch normalisation (Ioffe & Szegedy 2015) over every axis but the channel axis 1: inputs [N, C] (1d) or
 * [N, C, H, W] (2d). Training uses batch statistics (biased variance) and updates running estimates with the
 * unbiased variance, as PyTorch does; eval uses the running estimates.
 */
export class BatchNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly eps: number;
  readonly momentum: number;
  /** the output's activation ({} for none), checked */
  readonly activation: BatchNormActivation;

  constructor(
    readonly numFeatures: number,
    readonly spatialDims: 0 | 2,
    opts: BatchNormOptions = {},
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    const slope = rectifierSlope("BatchNorm", opts.activation, opts.slope);
    this.activation = slope === null ? {} : slope > 0 ? { activation: "leaky-relu", slope } : { activation: "relu" };
    const affine = opts.affine ?? true;
    this.weight = affine ? this.registerParameter("weight", ones([numFeatures])) : null;
    this.bias = affine ? this.registerParameter("bias", zeros([numFeatures])) : null;
    this.runningMean = this.registerBuffer("runningMean", zeros([numFeatures]));
    this.runningVar = this.registerBuffer("runningVar", ones([numFeatures]));
  }

  forward(x: Tensor): Tensor {
    const nd = 2 + this.spatialDims;
    if (x.ndim !== nd || x.shape[1] !== this.numFeatures) {
      throw new TypeError(
        `BatchNorm${this.spatialDims === 0 ? "1d" : "2d"}(${this.numFeatures}): ` +
          `input ${fmt(x.shape)} must be ${nd}-D with ${this.numFeatures} channels on axis 1`,
      );
    }
    const bshape = nd === 2 ? [1, this.numFeatures] : [1, this.numFeatures, 1, 1];
    if (this.training) {
      const n = x.size / this.numFeatures;
      if (n < 2)
        throw new RangeError(`BatchNorm: training needs more than one value per channel, got input ${fmt(x.shape)}`);
      // one fused pass each way (src/fused/batch-norm); the running estimates take the unbiased variance
      const { y, mean, variance } = batchNormTrain(x, this.weight, this.bias, this.eps, this.activation);
      const m = this.momentum,
        rm = this.runningMean.data,
        rv = this.runningVar.data;
      for (let c = 0; c < this.numFeatures; c++) {
        rm[c] = (1 - m) * rm[c]! + m * mean[c]!;
        rv[c] = (1 - m) * rv[c]! + ((m * n) / (n - 1)) * variance[c]!;
      }
      return y;
    }
    const mean = this.runningMean.reshape(bshape),
      variance = this.runningVar.reshape(bshape);
    let y = x.sub(mean).div(variance.add(this.eps).sqrt());
    if (this.weight && this.bias) y = y.mul(this.weight.reshape(bshape)).add(this.bias.reshape(bshape));
    const { activation, slope } = this.activation;
    return activation === "leaky-relu" ? y.leakyRelu(slope) : activation === "relu" ? y.relu() : y;
  }
}

export class BatchNorm1d extends BatchNorm {
  constructor(n: number, o: BatchNormOptions = {}) {
    super(n, 0, o);
  }
}
export class BatchNorm2d extends BatchNorm {
  constructor(n: number, o: BatchNormOptions = {}) {
    super(n, 2, o);
  }
}

/** Layer normalisation (Ba et al. 2016) over the trailing `normalizedShape` dims. */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly eps: number;

  constructor(
    readonly normalizedShape: number[],
    opts: { eps?: number } = {},
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.weight = this.registerParameter("weight", ones(normalizedShape));
    this.bias = this.registerParameter("bias", zeros(normalizedShape));
  }

  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    if (fmt(x.shape.slice(-k)) !== fmt(this.normalizedShape))
      throw new TypeError(
        `LayerNorm(${fmt(this.normalizedShape)}): input ${fmt(x.shape)} does not end with those dims`,
      );
    const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
    const y = x.sub(x.mean(axes, true)).div(x.variance(axes, true).add(this.eps).sqrt());
    return y.mul(this.weight).add(this.bias);
  }
}

/** A lookup table of `num` vectors of size `dim`, initialised N(0, 1) like PyTorch. */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    readonly num: number,
    readonly dim: number,
    opts: { generator?: Generator } = {},
  ) {
    super();
    this.weight = this.registerParameter("weight", randn([num, dim], { generator: opts.generator }));
  }

  forward(indices: ArrayLike<number>): Tensor {
    return this.weight.indexSelect(0, indices);
  }
}

/** Dropout: zeroes each value with probability p in training and scales the rest by 1/(1−p); identity in eval. */
export class Dropout extends Module {
  constructor(
    readonly p = 0.5,
    readonly generator?: Generator,
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    // the mask holds 1/(1 − p) where it keeps: x · (1/(1 − p)) rounds once, as x · 1 · (1/(1 − p)) did
    const s = 1 / (1 - this.p);
    return x.mul(bernoulli(1 - this.p, x.shape, { generator: this.generator, dtype: x.dtype, one: s }));
  }
}

/**
 * LSTM cell (Hochreiter & Schmidhuber 1997, PyTorch gate order i, f, g, o):
 * [i f g o] = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh;  c' = σ(f)c + σ(i)tanh(g);  h' = σ(o)tanh(c').
 */
export class LSTMCell extends Module {
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor;
  readonly biasHh: Tensor;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    opts: { generator?: Generator } = {},
  ) {
    super();
    const H = hiddenSize,
      g = opts.generator;
    this.weightIh = this.registerParameter("weightIh", defaultUniform([4 * H, inputSize], H, g));
    this.weightHh = this.registerParameter("weightHh", defaultUniform([4 * H, H], H, g));
    this.biasIh = this.registerParameter("biasIh", defaultUniform([4 * H], H, g));
    this.biasHh = this.registerParameter("biasHh", defaultUniform([4 * H], H, g));
  }

  forward(x: Tensor, state?: { h: Tensor; c: Tensor }): { h: Tensor; c: Tensor } {
    const H = this.hiddenSize,
      n = x.shape[0]!;
    const h = state?.h ?? zeros([n, H], { dtype: x.dtype }),
      c = state?.c ?? zeros([n, H], { dtype: x.dtype });
    const gates = x.matmul(this.weightIh.T).add(this.biasIh).add(h.matmul(this.weightHh.T).add(this.biasHh));
    const i = gates.slice(1, 0, H).sigmoid(),
      f = gates.slice(1, H, 2 * H).sigmoid();
    const gg = gates.slice(1, 2 * H, 3 * H).tanh(),
      o = gates.slice(1, 3 * H).sigmoid();
    const c2 = f.mul(c).add(i.mul(gg));
    return { h: o.mul(c2.tanh()), c: c2 };
  }
}
