/**
 * Tabular autoregressive models over the raster order: p(x_i | x_{i−k..i−1}) as a table of 2^min(i,k) Bernoulli
 * probabilities per pixel, fitted in closed form by counting with Laplace (add-α) smoothing. k = 0 is the fully
 * independent model; k = i − 1 for every i is the chain rule with full tables (2^n − 1 parameters, like the joint).
 */
import { noGrad } from "../../autograd/tape.js";
import { tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Split } from "../../data/datasets.js";
import { GenerativeModel, type Capability, type ClosedForm, type DataShape, type LikelihoodResult } from "../base.js";
import type { Sampler, Scorer } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import * as z from "zod";
import { registerModel } from "../registry.js";

export const options = z.object({
  k: field.nonNegativeInt(4, "context length (previous pixels in raster order)", 20),
  alpha: field.positiveNumber(1, "Laplace (add-α) smoothing pseudo-count"),
});
export type TabularConfig = OptionsOf<typeof options>;

export class TabularAR extends GenerativeModel implements Scorer, Sampler, ClosedForm {
  readonly modelName = "tabular-ar";
  readonly capabilities: readonly Capability[] = ["exact-density", "sampler", "closed-form"];
  readonly dim: number;
  /** log p(x_i = 1 | context) for every pixel and context, [dim, 2^k] (unused entries for i < k stay at log ½) */
  readonly table: Tensor;

  constructor(
    readonly config: TabularConfig,
    data: DataShape,
  ) {
    super();
    if (!Number.isInteger(config.k) || config.k < 0 || config.k > 20)
      throw new RangeError(`tabular-ar: k must be an integer in [0, 20], got ${config.k}`);
    this.dim = data.dim;
    this.table = this.registerBuffer(
      "table",
      tensor(new Float32Array(data.dim * 2 ** config.k).fill(0.5), [data.dim, 2 ** config.k]),
    );
  }

  /** Free parameters: one probability per pixel and reachable context, Σ_i 2^min(i,k). */
  freeParameters(): bigint {
    let n = 0n;
    for (let i = 0; i < this.dim; i++) n += 1n << BigInt(Math.min(i, this.config.k));
    return n;
  }

  private context(x: ArrayLike<number>, base: number, i: number): number {
    let c = 0;
    const k = Math.min(i, this.config.k);
    for (let j = 1; j <= k; j++) c = (c << 1) | (x[base + i - j]! > 0.5 ? 1 : 0);
    return c;
  }

  /** Maximum-likelihood tables with add-α smoothing: p = (n₁ + α) / (n + 2α). */
  fitCounts(values: Float32Array, n: number): void {
    const D = this.dim,
      K = 2 ** this.config.k,
      ones = new Float64Array(D * K),
      tot = new Float64Array(D * K);
    for (let r = 0; r < n; r++)
      for (let i = 0; i < D; i++) {
        const q = i * K + this.context(values, r * D, i);
        tot[q]!++;
        if (values[r * D + i]! > 0.5) ones[q]!++;
      }
    const a = this.config.alpha;
    for (let q = 0; q < D * K; q++) this.table.data[q] = (ones[q]! + a) / (tot[q]! + 2 * a);
  }

  fitClosedForm(split: Split): void {
    this.fitCounts(split.values, split.n);
  }

  logLikelihood(x: Tensor): LikelihoodResult {
    const v = x.toArray(),
      n = x.shape[0]!,
      D = this.dim,
      K = 2 ** this.config.k,
      t = this.table.data;
    const logp = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let i = 0; i < D; i++) {
        const p = t[i * K + this.context(v, r * D, i)]!;
        s += Math.log(v[r * D + i]! > 0.5 ? p : 1 - p);
      }
      logp[r] = s;
    }
    return { logp, estimator: "exact" };
  }

  sample(n: number, generator: Generator): Tensor {
    return noGrad(() => {
      const D = this.dim,
        K = 2 ** this.config.k,
        out = new Float32Array(n * D),
        u = generator.uniform01(n * D);
      for (let r = 0; r < n; r++)
        for (let i = 0; i < D; i++)
          out[r * D + i] = u[r * D + i]! < this.table.data[i * K + this.context(out, r * D, i)]! ? 1 : 0;
      return tensor(out, [n, D]);
    });
  }
}

registerModel({
  name: "tabular-ar",
  description:
    "tabular AR(k): p(x_i | previous k pixels) by counting with Laplace smoothing " +
    "(closed form, no gradient steps); exact likelihood",
  family: "autoregressive",
  options,
  recipe: { dataset: "binarized-mnist", epochs: 1, batchSize: 1000, lr: 1 },
  create: (config, data) => new TabularAR(config, data),
});
