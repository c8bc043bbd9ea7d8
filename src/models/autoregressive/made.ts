/**
 * MADE: Masked Autoencoder for Distribution Estimation [1]. An MLP whose weight masks make output d depend only on
 * inputs earlier in an ordering, so one pass gives every conditional p(x_d | x_<d). With K > 1 masks, training draws
 * a mask (connectivity, and the ordering if order-agnostic) per minibatch; the model is then the uniform mixture of
 * the K models, which evaluation averages and sampling draws from. Optional direct input→output weights, masked by
 * the ordering, add a fully visible sigmoid belief net to the logits, as in the paper's experiments. Optional dropout
 * on the hidden units (training only; [2]) regularizes the weights that the K masks share.
 * [1]: Germain, Gregor, Murray, Larochelle (2015), https://arxiv.org/abs/1502.03509
 * [2]: Srivastava, Hinton, Krizhevsky, Sutskever, Salakhutdinov (2014), "Dropout", JMLR 15
 */
import { noGrad } from "../../autograd/tape.js";
import { MaskedLinear } from "../../nn/linear.js";
import { bceWithLogits } from "../../ops/loss.js";
import { bernoulli, tensor } from "../../tensor/create.js";
import { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Capability, DataShape, LatentModel, LikelihoodResult } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import { registerModel, reproductionRecipes } from "../registry.js";
import { AutoregressiveModel } from "./autoregressive.js";
import { directMask, madeMasks, madeOrder, type MaskSet } from "./made-masks.js";
import { ensembleFull, ensembleRecipe, madeRecipe, oneClassRecipe } from "./made-recipes.js";
import * as z from "zod";

export const options = z.object({
  hidden: field.positiveInts([500], "hidden layer sizes"),
  nMasks: field.positiveInt(1, "masks (orderings / connectivities) used in training and averaged at test time"),
  orderAgnostic: field.boolean(false, "random orderings for masks after the first (mask 0 keeps the raster order)"),
  maskSeed: field.nonNegativeInt(0, "seed of the mask set (masks are recomputed from it, never stored)"),
  // the newer options default to the behaviour of configs written before they existed
  directConnections: field.boolean(false, "masked input→output weights (x_j feeds logit i when j precedes i)"),
  maskChoice: field.oneOf(["random", "cycle"], "random", "how training picks a mask per minibatch: drawn, or cycled"),
  dropout: field.dropout("dropout probability on every hidden unit during training (0: off)"),
});
export type MADEConfig = OptionsOf<typeof options>;

function validate(c: MADEConfig): void {
  if (c.nMasks < 1 || !Number.isInteger(c.nMasks))
    throw new RangeError(`MADE: nMasks must be a positive integer, got ${c.nMasks}`);
  if (!Array.isArray(c.hidden) || c.hidden.length === 0 || !c.hidden.every((h) => Number.isInteger(h) && h > 0))
    throw new RangeError(`MADE: hidden must be a non-empty list of positive integers, got ${JSON.stringify(c.hidden)}`);
  for (const key of ["orderAgnostic", "directConnections"] as const)
    if (c[key] !== undefined && typeof c[key] !== "boolean")
      throw new TypeError(`MADE: ${key} must be true or false, got ${JSON.stringify(c[key])}`);
  if (c.dropout !== undefined && !(typeof c.dropout === "number" && c.dropout >= 0 && c.dropout <= 0.9))
    throw new RangeError(`MADE: dropout must be a number in [0, 0.9], got ${JSON.stringify(c.dropout)}`);
  if (c.maskChoice !== undefined && c.maskChoice !== "random" && c.maskChoice !== "cycle")
    throw new RangeError(`MADE: maskChoice must be "random" or "cycle", got ${JSON.stringify(c.maskChoice)}`);
}

export class MADE extends AutoregressiveModel implements LatentModel {
  readonly modelName = "made";
  override readonly capabilities: readonly Capability[] = [
    "exact-density",
    "sampler",
    "completer",
    "latent",
    "trainable",
  ];
  readonly dim: number;
  readonly layers: MaskedLinear[];
  /** input→output weights (null unless `directConnections`) */
  readonly direct: MaskedLinear | null;
  #current = -1;
  #cache = new Map<number, MaskSet>();
  /** the set in use when the cache is full: refilled in place, so that large masks are not fresh memory each time */
  #spare: MaskSet | null = null;
  #directMasks = new Map<number, Tensor>();
  /** minibatches seen, for `maskChoice: "cycle"` (not checkpointed: a resumed run restarts the cycle at mask 0) */
  #step = 0;
  /** mask sets kept (rebuilding a mask costs as much as a step for small models) */
  readonly #cacheLimit: number;

  /** `maskCache`: the most mask sets kept (default: all K for small models, at least 8, up to ~256 MB) */
  constructor(
    readonly config: MADEConfig,
    data: DataShape,
    generator: Generator,
    maskCache?: number,
  ) {
    super();
    validate(config);
    this.dim = data.dim;
    const sizes = [data.dim, ...config.hidden, data.dim];
    const maskBytes = 4 * sizes.slice(1).reduce((sum, w, l) => sum + w * sizes[l]!, data.dim * data.dim);
    this.#cacheLimit = maskCache ?? Math.max(8, Math.floor(2 ** 28 / maskBytes));
    const first = this.maskSet(0);
    this.layers = sizes
      .slice(1)
      .map((out, l) =>
        this.registerModule(`layer${l}`, new MaskedLinear(sizes[l]!, out, first.masks[l]!, { generator })),
      );
    // created after the MLP so that the MLP's initial weights do not depend on this option
    this.direct = config.directConnections
      ? this.registerModule(
          "direct",
          new MaskedLinear(data.dim, data.dim, directMask(first.order), { bias: false, generator }),
        )
      : null;
    this.useMask(0);
  }

  /** The masks of set k, built if not cached; only `useMask` calls it, as an uncached set overwrites the spare. */
  private maskSet(k: number): MaskSet {
    const cached = this.#cache.get(k);
    if (cached) return cached;
    const c = this.config,
      full = this.#cache.size >= this.#cacheLimit;
    const s = madeMasks(this.dim, c.hidden, k, c.maskSeed, c.orderAgnostic, full ? this.#spare?.masks : undefined);
    if (full) this.#spare = s;
    else this.#cache.set(k, s);
    return s;
  }

  /** Selects mask k of the set for the following passes. */
  useMask(k: number): void {
    if (k === this.#current) return;
    const s = this.maskSet(k);
    this.layers.forEach((l, i) => l.setMask(s.masks[i]!));
    if (this.direct) {
      // with a fixed order every mask shares one direct mask
      const key = this.config.orderAgnostic ? k : 0;
      let m = this.#directMasks.get(key);
      if (!m) {
        m = directMask(s.order);
        if (this.#directMasks.size < this.#cacheLimit) this.#directMasks.set(key, m);
      }
      this.direct.setMask(m);
    }
    this.#current = k;
  }

  order(): Int32Array {
    return this.orderOf(this.#current);
  }

  /** The ordering of mask k (without building its masks). */
  private orderOf(k: number): Int32Array {
    return this.#cache.get(k)?.order ?? madeOrder(this.dim, k, this.config.maskSeed, this.config.orderAgnostic);
  }

  conditionalLogits(x: Tensor): Tensor {
    return this.logits(x, null);
  }

  /** The logits; with `drop` (training's generator) and a dropout p > 0, each hidden unit is kept with 1 − p. */
  private logits(x: Tensor, drop: Generator | null): Tensor {
    const p = this.config.dropout ?? 0;
    let h = x;
    this.layers.forEach((l, i) => {
      h = l.forward(h);
      if (i === this.layers.length - 1) return;
      h = h.relu();
      if (drop && p > 0) h = h.mul(bernoulli(1 - p, h.shape, { generator: drop, dtype: h.dtype })).mul(1 / (1 - p));
    });
    return this.direct ? h.add(this.direct.forward(x)) : h;
  }

  get latentDim(): number {
    return this.config.hidden[0]!;
  }

  /**
   * The representation for probes: the first hidden layer's activations under mask 0. Mask 0 keeps the raster order
   * in every configuration, so a single-mask MADE and an ensemble embed the same way; averaging over K masks would
   * cost K passes for features that are, per mask, the same kind of prefix detectors.
   */
  embed(x: Tensor): Tensor {
    return noGrad(() => {
      const was = this.#current;
      this.useMask(0);
      const h = this.layers[0]!.forward(x).relu();
      this.useMask(was);
      return h;
    });
  }

  /**
   * One mask per minibatch, drawn from the set of K (or taken in turn with `maskChoice: "cycle"`); with dropout, the
   * hidden units' keep masks are drawn from the same generator after the mask.
   */
  override loss(x: Tensor, generator: Generator): Tensor {
    const K = this.config.nMasks;
    if (K > 1) this.useMask(this.config.maskChoice === "cycle" ? this.#step++ % K : generator.integers(1, K)[0]!);
    return bceWithLogits(this.logits(x, generator), x, { reduction: "none" }).sum(1).mean();
  }

  /** log p_k(x) per image for every mask k: K arrays of length B. */
  private perMaskLogp(x: Tensor): number[][] {
    const per = Array.from({ length: this.config.nMasks }, (_, k) => {
      this.useMask(k);
      return noGrad(() => bceWithLogits(this.conditionalLogits(x), x, { reduction: "none" }).sum(1).neg()).toArray();
    });
    this.useMask(0);
    return per;
  }

  /** Exact log p(x) for one mask; for K masks, log (1/K) Σ_k p_k(x) (an ensemble of K exact models). */
  override logLikelihood(x: Tensor): LikelihoodResult {
    const K = this.config.nMasks;
    const per = this.perMaskLogp(x);
    const logp = new Float64Array(x.shape[0]!);
    for (let b = 0; b < logp.length; b++) {
      const m = Math.max(...per.map((p) => p[b]!));
      logp[b] = m + Math.log(per.reduce((s, p) => s + Math.exp(p[b]! - m), 0) / K);
    }
    return { logp, estimator: "exact" };
  }

  /**
   * The K-mask ensemble is the uniform mixture (1/K) Σ_k p_k, so each row draws its own mask and is then sampled
   * from that mask's model. Rows are grouped by mask so each group is one batched pass.
   */
  override complete(x: Tensor, observed: Uint8Array | null, generator: Generator): Tensor {
    const K = this.config.nMasks;
    if (K === 1) return this.completeWithCurrentMask(x, observed, generator);
    const n = x.shape[0]!,
      D = this.dim;
    const choice = this.maskChoices(x, observed, generator);
    const src = Float32Array.from(x.toArray()),
      out = new Float32Array(n * D);
    for (let k = 0; k < K; k++) {
      const rows = [...choice.keys()].filter((r) => choice[r] === k);
      if (rows.length === 0) continue;
      const part = new Float32Array(rows.length * D);
      rows.forEach((r, j) => part.set(src.subarray(r * D, (r + 1) * D), j * D));
      this.useMask(k);
      const done = Float32Array.from(
        this.completeWithCurrentMask(tensor(part, [rows.length, D]), observed, generator).toArray(),
      );
      rows.forEach((r, j) => out.set(done.subarray(j * D, (j + 1) * D), r * D));
    }
    this.useMask(0);
    return tensor(out, [x.shape[0]!, D]);
  }

  /**
   * One mask per row. Sampling draws it uniformly. Completion draws it from the mixture's posterior
   * P(k | x_obs) ∝ p_k(x_obs) when the observed pixels come first in every mask's order (then p_k(x_obs) is the
   * product of their conditionals, e.g. the top rows under raster order); otherwise uniformly, an approximation.
   */
  private maskChoices(x: Tensor, observed: Uint8Array | null, generator: Generator): Int32Array {
    const n = x.shape[0]!,
      K = this.config.nMasks;
    const nObs = observed ? observed.reduce((s, v) => s + (v ? 1 : 0), 0) : 0;
    const firstInEveryOrder =
      nObs > 0 &&
      Array.from({ length: K }, (_, k) => this.orderOf(k).subarray(0, nObs)).every((o) => o.every((i) => observed![i]));
    if (!firstInEveryOrder) return generator.integers(n, K);
    const logpObs = Array.from({ length: K }, (_, k) => {
      this.useMask(k);
      const ll = noGrad(() => bceWithLogits(this.conditionalLogits(x), x, { reduction: "none" }).neg()).toArray();
      return Float64Array.from({ length: n }, (_, r) => {
        let s = 0;
        for (let i = 0; i < this.dim; i++) if (observed![i]) s += ll[r * this.dim + i]!;
        return s;
      });
    });
    const u = generator.uniform01(n);
    return Int32Array.from({ length: n }, (_, r) => {
      const m = Math.max(...logpObs.map((l) => l[r]!));
      const w = logpObs.map((l) => Math.exp(l[r]! - m));
      let t = u[r]! * w.reduce((a, b) => a + b, 0),
        k = 0;
      while (k < K - 1 && (t -= w[k]!) >= 0) k++;
      return k;
    });
  }

  /**
   * With one hidden layer, sampling needs no full forward pass per pixel: the hidden pre-activation changes only by
   * the new pixel's column, a += x_i (W₁ ⊙ M₁)[:, i], as in NADE — O(DH) per sample (plus O(D²) for direct
   * connections). Deeper MADEs use the generic loop.
   */
  private completeWithCurrentMask(x: Tensor, observed: Uint8Array | null, generator: Generator): Tensor {
    if (this.layers.length !== 2) return super.complete(x, observed, generator);
    return noGrad(() => {
      const [l1, l2] = this.layers as [MaskedLinear, MaskedLinear];
      const D = this.dim,
        H = this.config.hidden[0]!,
        n = x.shape[0]!;
      const w1 = l1.weight.mul(l1.mask).toArray(),
        b1 = l1.bias!.toArray(),
        w2 = l2.weight.mul(l2.mask).toArray(),
        b2 = l2.bias!.toArray(),
        wd = this.direct?.weight.mul(this.direct.mask).toArray();
      const cur = Float32Array.from(x.toArray()),
        u = generator.uniform01(n * D),
        a = new Float64Array(H);
      const order = this.order();
      for (let r = 0; r < n; r++) {
        a.set(b1);
        for (const i of order) {
          if (!observed?.[i]) {
            let s = b2[i]!;
            for (let k = 0; k < H; k++) if (a[k]! > 0) s += a[k]! * w2[i * H + k]!;
            // masked weights are zero for pixels not yet sampled, so the whole row can be summed
            if (wd) for (let j = 0; j < D; j++) s += wd[i * D + j]! * cur[r * D + j]!;
            cur[r * D + i] = u[r * D + i]! < 1 / (1 + Math.exp(-s)) ? 1 : 0;
          }
          const xv = cur[r * D + i]!;
          if (xv !== 0) for (let k = 0; k < H; k++) a[k]! += xv * w1[k * D + i]!;
        }
      }
      return tensor(cur, [n, D]);
    });
  }
}

registerModel({
  name: "made",
  description:
    "MADE: masked MLP autoregressive model, exact likelihood; K masks for order/connectivity-agnostic training",
  family: "autoregressive",
  options,
  recipe: madeRecipe,
  recipes: {
    ...reproductionRecipes(madeRecipe, { epochs: 2, options: { hidden: [500] } }),
    "one-class": oneClassRecipe,
  },
  published: { nll_nats: 88.4, source: "Germain et al. 2015 (one mask)", data: "binarized-mnist" },
  create: (config, data, generator) => new MADE(config, data, generator),
});

registerModel({
  name: "made-ensemble",
  description:
    "MADE trained over 32 connectivity masks, evaluated (and sampled) as the uniform mixture of the 32 models; " +
    "the recipe keeps the natural order and adds direct input→output connections",
  family: "autoregressive",
  options: options.extend({
    nMasks: field.positiveInt(32, "masks (orderings / connectivities) used in training and averaged at test time"),
    orderAgnostic: field.boolean(true, "random orderings for masks after the first (mask 0 keeps the raster order)"),
  }),
  recipe: ensembleRecipe,
  recipes: { ...reproductionRecipes(ensembleRecipe, { epochs: 2, options: { hidden: [500] } }), full: ensembleFull },
  published: {
    nll_nats: 86.64,
    source: "Germain et al. 2015 (32-mask ensemble, two hidden layers of 8000)",
    data: "binarized-mnist",
  },
  create: (config, data, generator) => new MADE(config, data, generator),
});
