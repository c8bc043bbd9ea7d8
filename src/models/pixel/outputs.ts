/**
 * Output distributions of the pixel models: what the network's last layer means for each value x_{c} of a pixel.
 * The network emits P parameters per data channel, laid out channel-major ([c·P + p]) so that a colour-grouped mask
 * gives channel c's parameters only the features allowed to see channels < c of the current pixel.
 *  - bernoulli: one logit per channel, for binary data;
 *  - softmax:   a `levels`-way categorical per channel (256 for 8-bit data), as in PixelRNN;
 *  - logistic:  a discretized mixture of `mixtures` logistics per channel (PixelCNN++), on the same `levels` grid;
 *  - gaussian:  a mixture of `mixtures` Gaussians per channel on the dequantized, continuous value (a density on ℝ).
 */
import { DiscretizedLogisticMixture } from "../../distributions/logistic.js";
import { MixtureOfGaussians } from "../../distributions/normal.js";
import { bceWithLogits, crossEntropy } from "../../ops/loss.js";
import { tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";

export type OutputKind = "bernoulli" | "softmax" | "logistic" | "gaussian";

export interface PixelOutput {
  readonly kind: OutputKind;
  /** how many values each channel of a pixel takes (2 for binary data) */
  readonly levels: number;
  /** network output channels per data channel */
  readonly paramsPerChannel: number;
  /**
   * log p(x | params) elementwise: params [B, C·P, H, W], x [B, C, H, W] with values in [0, 1] → [B, C, H, W]. A
   * dequantized output takes the continuous values y instead and gives their log-density.
   */
  logProb(params: Tensor, x: Tensor): Tensor;
  /**
   * Set only for a continuous output: how many dequantization draws an evaluation averages. Its values are then
   * scored as y = (k + u)/levels, u ~ U(0, 1), for level k, and log-likelihoods are bounds.
   */
  readonly dequantizationDraws?: number;
  /** one draw (a value in [0, 1]) per row of params [n, P] (row-major) */
  sample(params: Float32Array, n: number, g: Generator): Float32Array;
  /** the first value the distribution cannot score, as a message, or null when all are on its grid */
  checkValues(values: Float32Array): string | null;
}

/** Index of value v ∈ [0, 1] on a grid of `levels` evenly spaced values, or −1 when it is off the grid. */
export function levelOf(v: number, levels: number): number {
  const k = Math.round(v * (levels - 1));
  return k >= 0 && k < levels && Math.abs(v * (levels - 1) - k) < 1e-3 ? k : -1;
}

function firstOffGrid(values: Float32Array, levels: number): string | null {
  for (let i = 0; i < values.length; i++)
    if (levelOf(values[i]!, levels) < 0)
      return `value ${values[i]} at position ${i} is not one of the ${levels} levels k/${levels - 1}`;
  return null;
}

/** params [B, C·P, H, W] → [B, C, H, W, P] (the parameters of each value last). */
function perValue(params: Tensor, C: number, P: number): Tensor {
  const [B, , H, W] = params.shape as [number, number, number, number];
  return params.reshape(B, C, P, H, W).permute(0, 1, 3, 4, 2);
}

class BernoulliOutput implements PixelOutput {
  readonly kind = "bernoulli";
  readonly levels = 2;
  readonly paramsPerChannel = 1;

  logProb(params: Tensor, x: Tensor): Tensor {
    return bceWithLogits(params, x, { reduction: "none" }).neg();
  }

  sample(params: Float32Array, n: number, g: Generator): Float32Array {
    const u = g.uniform01(n);
    return Float32Array.from({ length: n }, (_, i) => (u[i]! < 1 / (1 + Math.exp(-params[i]!)) ? 1 : 0));
  }

  checkValues(values: Float32Array): string | null {
    for (let i = 0; i < values.length; i++)
      if (values[i] !== 0 && values[i] !== 1)
        return `value ${values[i]} at position ${i} is not binary (this model was trained on 0/1 pixels)`;
    return null;
  }
}

class SoftmaxOutput implements PixelOutput {
  readonly kind = "softmax";
  readonly paramsPerChannel: number;

  constructor(readonly levels: number) {
    this.paramsPerChannel = levels;
  }

  logProb(params: Tensor, x: Tensor): Tensor {
    const C = x.shape[1]!,
      L = this.levels;
    const [B, , H, W] = params.shape as [number, number, number, number];
    const classes = Int32Array.from(x.toArray(), (v) => Math.min(L - 1, Math.max(0, Math.round(v * (L - 1)))));
    return crossEntropy(params.reshape(B, C, L, H, W), classes, { axis: 2, reduction: "none" }).neg();
  }

  /** Inverse-CDF draw from softmax(params[i]). */
  sample(params: Float32Array, n: number, g: Generator): Float32Array {
    const L = this.levels,
      u = g.uniform01(n),
      out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const row = params.subarray(i * L, (i + 1) * L);
      const m = row.reduce((a, b) => Math.max(a, b), -Infinity);
      let z = 0;
      for (const v of row) z += Math.exp(v - m);
      let acc = 0,
        k = 0;
      for (; k < L - 1; k++) {
        acc += Math.exp(row[k]! - m) / z;
        if (u[i]! < acc) break;
      }
      out[i] = k / (L - 1);
    }
    return out;
  }

  checkValues(values: Float32Array): string | null {
    return firstOffGrid(values, this.levels);
  }
}

class LogisticMixtureOutput implements PixelOutput {
  readonly kind = "logistic";
  readonly paramsPerChannel: number;

  constructor(
    readonly levels: number,
    readonly mixtures: number,
  ) {
    this.paramsPerChannel = 3 * mixtures;
  }

  private mixture(params: Tensor, C: number): DiscretizedLogisticMixture {
    const K = this.mixtures,
      p = perValue(params, C, 3 * K);
    // log-scales below −7 make bins narrower than float32 resolves; PixelCNN++ clamps at the same point
    return new DiscretizedLogisticMixture(
      p.slice(-1, 0, K),
      p.slice(-1, K, 2 * K),
      p.slice(-1, 2 * K).clamp(-7),
      this.levels,
    );
  }

  logProb(params: Tensor, x: Tensor): Tensor {
    return this.mixture(params, x.shape[1]!).logProb(x.mul(2).sub(1));
  }

  sample(params: Float32Array, n: number, g: Generator): Float32Array {
    const P = this.paramsPerChannel;
    const t = tensor(params.subarray(0, n * P), [n, P, 1, 1]);
    const s = this.mixture(t, 1).sample(g).toArray();
    return Float32Array.from(s, (v) => (v + 1) / 2);
  }

  checkValues(values: Float32Array): string | null {
    return firstOffGrid(values, this.levels);
  }
}

/**
 * A mixture of `mixtures` Gaussians per value over the continuous value y ∈ [0, 1) that dequantizes level k
 * (y = (k + u)/levels, u ~ U(0, 1); Uria et al. 2013, Theis et al. 2016): per value K logits, K means and K log-scales
 * on the scale of y. Draws are mapped back to the level whose interval holds them, so samples stay on the data's grid.
 */
class GaussianMixtureOutput implements PixelOutput {
  readonly kind = "gaussian";
  readonly paramsPerChannel: number;
  /**
   * Floor on log σ: a twentieth of a level's width, log(1/(20·levels)). Dequantized data are uniform within a level,
   * so narrower components cannot fit them better, and the floor keeps 1/σ² (and the gradients) bounded.
   */
  readonly minLogScale: number;

  constructor(
    readonly levels: number,
    readonly mixtures: number,
    readonly dequantizationDraws: number,
  ) {
    this.paramsPerChannel = 3 * mixtures;
    this.minLogScale = -Math.log(20 * levels);
  }

  private mixture(params: Tensor, C: number): MixtureOfGaussians {
    const K = this.mixtures,
      p = perValue(params, C, 3 * K);
    return new MixtureOfGaussians(p.slice(-1, 0, K), p.slice(-1, K, 2 * K), p.slice(-1, 2 * K).clamp(this.minLogScale));
  }

  logProb(params: Tensor, y: Tensor): Tensor {
    return this.mixture(params, y.shape[1]!).logProb(y);
  }

  /** A component from softmax(logits) by inverse CDF, y = μ + σ·ε from it, then the level holding y. */
  sample(params: Float32Array, n: number, g: Generator): Float32Array {
    const K = this.mixtures,
      L = this.levels,
      u = g.uniform01(n),
      eps = g.normal01(n),
      out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const row = params.subarray(i * 3 * K, (i + 1) * 3 * K);
      let m = -Infinity;
      for (let k = 0; k < K; k++) m = Math.max(m, row[k]!);
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(row[k]! - m);
      let acc = 0,
        k = 0;
      for (; k < K - 1; k++) {
        acc += Math.exp(row[k]! - m) / z;
        if (u[i]! < acc) break;
      }
      const y = row[K + k]! + Math.exp(Math.max(this.minLogScale, row[2 * K + k]!)) * eps[i]!;
      out[i] = Math.min(L - 1, Math.max(0, Math.floor(y * L))) / (L - 1);
    }
    return out;
  }

  checkValues(values: Float32Array): string | null {
    return firstOffGrid(values, this.levels);
  }
}

export function pixelOutput(kind: OutputKind, levels: number, mixtures: number, dequantizationDraws = 1): PixelOutput {
  if (kind === "bernoulli") return new BernoulliOutput();
  if (!Number.isInteger(levels) || levels < 2) throw new RangeError(`levels must be an integer ≥ 2, got ${levels}`);
  if (kind === "softmax") return new SoftmaxOutput(levels);
  if (kind === "logistic") return new LogisticMixtureOutput(levels, mixtures);
  return new GaussianMixtureOutput(levels, mixtures, dequantizationDraws);
}
