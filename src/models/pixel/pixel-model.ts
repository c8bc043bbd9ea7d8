/**
 * The pixel models' common body: p(x) = Π_i p(x_i | x_<i) over the values of an image in raster order (row, column,
 * then colour channel R→G→B), with every conditional produced at once by a network whose connectivity respects that
 * order (masked convolutions, shifted stacks, row or diagonal recurrences). Scoring, per-pixel scores, sampling and
 * completion are written once here; a model supplies `network` and how many rows above it can see.
 *
 * With a continuous output the values are dequantized (Uria et al. 2013; Theis et al. 2016): level k of L becomes
 * y = (k + u)/L, u ~ U(0, 1), and the model is the density p(y) = Π_i p(y_i | x_<i) on ℝ^D, where x_<i are the
 * levels of the earlier values (a function of y_<i, so this is a density of y). The network thus sees the same
 * discrete images when scoring as when sampling, and −log p(y) + D·log L bounds −log P(x) from above in
 * expectation over u.
 */
import { noGrad } from "../../autograd/tape.js";
import { rand, tensor } from "../../tensor/create.js";
import { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import {
  LikelihoodModel,
  type Capability,
  type Completer,
  type DataShape,
  type Estimator,
  type LikelihoodResult,
  type PixelScorer,
  type Sampler,
  type Scorer,
} from "../base.js";
import { cachedComplete, cachedParams, type IncrementalNet } from "./fast-sample.js";
import type { PixelOutput } from "./outputs.js";

export interface SampleOptions {
  /** run the network on the whole image at every step (the reference the faster loops must reproduce) */
  naive?: boolean;
  /** one network pass per value on the rows it can see, instead of the cached per-pixel evaluation */
  windowed?: boolean;
  /** class of each image, for class-conditional models */
  labels?: Int32Array | null;
}

/** What every pixel model with a discrete output can do. */
export const PIXEL_CAPABILITIES: readonly Capability[] = [
  "exact-density",
  "per-pixel-density",
  "sampler",
  "completer",
  "trainable",
];

/** A pixel model's capabilities: a continuous (dequantized) output has a bound where the others are exact. */
export function pixelCapabilities(output: PixelOutput): readonly Capability[] {
  if (!output.dequantizationDraws) return PIXEL_CAPABILITIES;
  return PIXEL_CAPABILITIES.map((c) => (c === "exact-density" ? "bounded-density" : c));
}

/** Seed of the dequantization draws of per-pixel scores when the caller gives no generator. */
const PER_PIXEL_SEED = 0;

/** Conditionals of the marginal over C classes (uniform prior) from each class's log p(x_i | x_<i, y), [n, d]. */
function marginalConditionals(byClass: ArrayLike<number>[], n: number): Float64Array {
  const C = byClass.length,
    d = byClass[0]!.length / n,
    out = new Float64Array(n * d),
    cum = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    cum.fill(0);
    let previous = 0;
    for (let j = 0; j < d; j++) {
      let top = -Infinity;
      for (let y = 0; y < C; y++) top = Math.max(top, (cum[y]! += byClass[y]![i * d + j]!));
      let s = 0;
      for (let y = 0; y < C; y++) s += Math.exp(cum[y]! - top);
      const marginal = top + Math.log(s) - Math.log(C);
      out[i * d + j] = marginal - previous;
      previous = marginal;
    }
  }
  return out;
}

export abstract class PixelModel extends LikelihoodModel implements Scorer, Sampler, Completer, PixelScorer {
  readonly capabilities: readonly Capability[];
  readonly dim: number;
  readonly shape: [number, number, number];

  constructor(
    data: DataShape,
    readonly output: PixelOutput,
  ) {
    super();
    this.capabilities = pixelCapabilities(output);
    this.dim = data.dim;
    this.shape = data.shape;
  }

  /**
   * Scoring batches keep the widest activation (the most output rows of any weight: channels, or LSTM gates) near
   * 16 MB. Larger ones are fresh memory on every call, and their page faults cost more than the batch saves: the
   * default PixelCNN scored 10,000 images in 119 s at batch 500 and in 20 s at batch 100 (the same NLL).
   */
  get evalBatchSize(): number {
    const widest = Math.max(1, ...this.parameters().map((p) => (p.ndim >= 2 ? p.shape[0]! : 1)));
    const [, H, W] = this.shape;
    return Math.min(500, Math.max(8, Math.floor(2 ** 24 / (4 * widest * H * W))));
  }

  /**
   * Output parameters [B, C·P, h, W] from network inputs [B, C, h, W] scaled to [−1, 1]. Output row r may depend
   * only on input rows ≤ r, and on row r only at earlier columns (earlier channels for the current pixel); this is
   * what lets the sampler run the network on a crop of the rows.
   */
  protected abstract network(x: Tensor, labels: Int32Array | null): Tensor;

  /** How many input rows above an output row the network can see (Infinity for recurrent models). */
  abstract receptiveRows(): number;

  /**
   * The network evaluated pixel by pixel from row caches (fast-sample.ts) for n images, or null where the model has
   * none (sampling then runs a network pass per value).
   */
  protected cachedNet(_n: number, _labels: Int32Array | null): IncrementalNet | null {
    return null;
  }

  /** outputParams computed through the cached per-pixel network, [B, C·P, H, W] (null without one). */
  cachedOutputParams(x: Tensor, labels: Int32Array | null = null): Tensor | null {
    const n = x.shape[0]!;
    return this.inEval(() => {
      const net = this.cachedNet(n, labels);
      if (!net) return null;
      const params = cachedParams({ shape: this.shape, output: this.output, net }, Float32Array.from(x.toArray()));
      return tensor(params, [n, this.shape[0] * this.output.paramsPerChannel, this.shape[1], this.shape[2]]);
    });
  }

  /** x [B, dim] in [0, 1] → [B, C, H, W]. */
  protected images(x: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.dim)
      throw new TypeError(`${this.constructor.name}: input [${x.shape}] must be [batch, ${this.dim}]`);
    return x.reshape(x.shape[0]!, ...this.shape);
  }

  /** The output parameters for every value of x [B, dim]: [B, C·P, H, W]. */
  outputParams(x: Tensor, labels: Int32Array | null = null): Tensor {
    return this.network(this.images(x).mul(2).sub(1), labels);
  }

  /**
   * log p(x_i | x_<i) for every value, [B, C, H, W]. A dequantized output needs `noise` u [B, dim] in [0, 1) and
   * gives log p(y_i | x_<i) − log L at y = (k + u)/L instead, whose expectation over u is at most log p(x_i | x_<i).
   */
  logProbs(x: Tensor, labels: Int32Array | null = null, noise: Tensor | null = null): Tensor {
    return this.valueLogProbs(this.outputParams(x, labels), this.images(x), noise);
  }

  /** logProbs from output parameters already computed: params [B, C·P, H, W], images [B, C, H, W]. */
  private valueLogProbs(params: Tensor, images: Tensor, noise: Tensor | null): Tensor {
    if (!this.output.dequantizationDraws) return this.output.logProb(params, images);
    if (!noise)
      throw new TypeError(`${this.constructor.name}: a ${this.output.kind} output needs dequantization noise`);
    const L = this.output.levels;
    const y = images
      .mul(L - 1)
      .add(this.images(noise))
      .div(L);
    return this.output.logProb(params, y).sub(Math.log(L));
  }

  /**
   * Dequantization noise for n images: one U(0, 1) draw [n, dim] per evaluation draw of a continuous output (`draws`
   * of them, default the output's own count), or a single null for a discrete output (no noise: one exact score).
   */
  protected noiseDraws(n: number, generator: Generator, draws?: number): Array<Tensor | null> {
    const k = this.output.dequantizationDraws;
    if (!k) return [null];
    return Array.from({ length: draws ?? k }, () => rand([n, this.dim], { generator }));
  }

  /**
   * log p(y) per image [B] of real values y [B, dim] under a dequantized output: each conditional sees the levels
   * min(L − 1, max(0, ⌊y·L⌋)) of the earlier values (the density the bound evaluates at y = (k + u)/L).
   */
  logDensity(y: Tensor, labels: Int32Array | null = null): Tensor {
    if (!this.output.dequantizationDraws)
      throw new TypeError(`${this.constructor.name}: a ${this.output.kind} output is discrete (no density on ℝ)`);
    const L = this.output.levels,
      v = y.toArray();
    const x = tensor(
      Float32Array.from(v, (t) => Math.min(L - 1, Math.max(0, Math.floor(t * L))) / (L - 1)),
      [...y.shape],
    );
    return this.output.logProb(this.outputParams(x, labels), this.images(y)).sum([1, 2, 3]);
  }

  /** How the log-likelihoods of this model are obtained: exact, or the bound over k dequantization draws. */
  estimator(): Estimator {
    const k = this.output.dequantizationDraws;
    return k ? `dequantized-bound-${k}` : "exact";
  }

  /** −log p(x), or for a dequantized output −log p(y) + D·log L at a fresh y, in nats per image (batch mean). */
  loss(x: Tensor, generator?: Generator, labels: Int32Array | null = null): Tensor {
    if (this.output.dequantizationDraws && !generator)
      throw new TypeError(`${this.constructor.name}: the ${this.output.kind} output's loss needs a generator`);
    const [noise] = this.noiseDraws(x.shape[0]!, generator!, 1);
    return this.logProbs(x, labels, noise).sum([1, 2, 3]).neg().mean();
  }

  /** Runs fn with dropout off, restoring the previous mode. */
  protected inEval<T>(fn: () => T): T {
    const was = this.training;
    this.eval();
    try {
      return noGrad(fn);
    } finally {
      this.train(was);
    }
  }

  /** Classes a class-conditional model conditions on (0: unconditional). */
  protected conditionClasses(): number {
    return 0;
  }

  /**
   * log p(x) per image: log p(x | y) with labels; without labels a class-conditional model gives the marginal under a
   * uniform class prior, log p(x) = logsumexp_y log p(x | y) − log C (exact, one network pass per class). A
   * dequantized output gives the bound averaged over its draws of u (one network pass serves every draw: the
   * network sees only the levels).
   */
  logLikelihood(x: Tensor, generator?: Generator, labels: Int32Array | null = null): LikelihoodResult {
    const n = x.shape[0]!;
    if (!labels && this.conditionClasses() > 0) {
      const per = this.perPixelLogLikelihood(x, null, generator),
        d = per.length / n;
      const logp = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) logp[i]! += per[i * d + j]!;
      return { logp, estimator: this.estimator() };
    }
    const logp = new Float64Array(n);
    this.inEval(() => {
      const params = this.outputParams(x, labels),
        images = this.images(x),
        draws = this.noiseDraws(n, generator ?? new Generator(PER_PIXEL_SEED));
      for (const u of draws) {
        const lp = this.valueLogProbs(params, images, u).sum([1, 2, 3]).toArray();
        for (let i = 0; i < n; i++) logp[i]! += lp[i]! / draws.length;
      }
    });
    return { logp, estimator: this.estimator() };
  }

  /**
   * log p(xᵢ | x<ᵢ) for every pixel and channel, in generation order (raster, channels last). Without labels a
   * class-conditional model gives the marginal's conditionals: with M(i) = log Σ_y p(x≤ᵢ | y) − log C, the i-th
   * is M(i) − M(i − 1), so that they sum to the marginal log p(x). A dequantized output gives
   * log p(yᵢ | x<ᵢ) − log L averaged over its draws of u (from `generator`, else a fixed seed), summing to
   * logLikelihood's bound for the same draws.
   */
  perPixelLogLikelihood(x: Tensor, labels: Int32Array | null = null, generator?: Generator): Float64Array {
    const C = labels ? 0 : this.conditionClasses(),
      n = x.shape[0]!,
      images = this.images(x);
    const draws = this.noiseDraws(n, generator ?? new Generator(PER_PIXEL_SEED));
    // per class (or once, for the given labels): log p(xᵢ | x<ᵢ, y) of every draw, raster order with channels last
    const byClass = (C === 0 ? [labels] : Array.from({ length: C }, (_, y) => new Int32Array(n).fill(y))).map((l) =>
      this.inEval(() => {
        const params = this.outputParams(x, l);
        return draws.map((u) => this.valueLogProbs(params, images, u).permute(0, 2, 3, 1).toArray());
      }),
    );
    const out = new Float64Array(n * this.dim);
    draws.forEach((_, k) => {
      const ofDraw = byClass.map((b) => b[k]!);
      const per = C === 0 ? ofDraw[0]! : marginalConditionals(ofDraw, n);
      for (let i = 0; i < out.length; i++) out[i]! += per[i]! / draws.length;
    });
    return out;
  }

  sample(n: number, generator: Generator, opts: SampleOptions = {}): Tensor {
    return this.complete(tensor(new Float32Array(n * this.dim), [n, this.dim]), null, generator, opts);
  }

  /**
   * Ancestral sampling of the unobserved values in raster order: through the cached network where the model has one,
   * else one network pass per value. A pass for a value in row y runs on rows [y − receptiveRows, y] only: rows below
   * cannot matter, and rows further above are out of reach. Every loop draws what full-image passes (`naive`) draw
   * with the same generator.
   */
  complete(x: Tensor, observed: Uint8Array | null, generator: Generator, opts: SampleOptions = {}): Tensor {
    const [C, H, W] = this.shape,
      D = this.dim,
      n = x.shape[0]!,
      P = this.output.paramsPerChannel;
    const cur = Float32Array.from(x.toArray());
    this.inEval(() => {
      const net = opts.naive || opts.windowed ? null : this.cachedNet(n, opts.labels ?? null);
      if (net) return cachedComplete({ shape: this.shape, output: this.output, net }, cur, observed, generator);
      for (let y = 0; y < H; y++) {
        const top = opts.naive ? 0 : Math.max(0, y - this.receptiveRows()),
          rows = opts.naive ? H : y - top + 1;
        for (let col = 0; col < W; col++)
          for (let c = 0; c < C; c++) {
            const i = (c * H + y) * W + col;
            if (observed?.[i]) continue;
            const params = this.network(this.crop(cur, n, top, rows).mul(2).sub(1), opts.labels ?? null).toArray();
            const p = new Float32Array(n * P);
            for (let b = 0; b < n; b++)
              for (let k = 0; k < P; k++) p[b * P + k] = params[(((b * C + c) * P + k) * rows + y - top) * W + col]!;
            const v = this.output.sample(p, n, generator);
            for (let b = 0; b < n; b++) cur[b * D + i] = v[b]!;
          }
      }
    });
    return tensor(cur, [n, D]);
  }

  /** Rows [top, top + rows) of the images in `values` [n, dim], as [n, C, rows, W]. */
  private crop(values: Float32Array, n: number, top: number, rows: number): Tensor {
    const [C, H, W] = this.shape;
    const out = new Float32Array(n * C * rows * W);
    for (let b = 0; b < n; b++)
      for (let c = 0; c < C; c++) {
        const from = ((b * C + c) * H + top) * W;
        out.set(values.subarray(from, from + rows * W), (b * C + c) * rows * W);
      }
    return tensor(out, [n, C, rows, W]);
  }
}
