/**
 * VQ-VAE [1]: an encoder maps an image to `latents` vectors z_e of size `codeDim`; each is replaced by its nearest
 * codebook vector z_q = e_k, k = argmin_j ‖z_e − e_j‖²; a decoder maps the codes back to pixel logits. The
 * gradient passes the quantizer unchanged (straight-through: z_e + sg[z_q − z_e]). The loss per image is −log p(x |
 * z_q) + β‖z_e − sg[z_q]‖² (commitment), plus ‖sg[z_e] − z_q‖² when the codebook learns by gradient
 * ("loss"); with "ema" it follows exponential moving averages of its assigned vectors instead ([1] appendix A.1),
 * updated after each optimizer step. A code whose moving-average use falls below `restartThreshold` assignments per
 * batch is restarted at a random encoder output of the batch (dead-code restarts).
 *
 * [1] samples with a PixelCNN prior over the codes: that is `vq-vae-prior` (vq-vae-prior.ts). This model's own
 * sampling prior is the simplest one the training provides: each latent position's code frequencies (moving
 * averages), positions independent. Samples from it are honest but crude.
 * The reconstruction term is a Bernoulli cross-entropy on pixel intensities in [0, 1]: a score, not a density.
 * [1]: van den Oord, Vinyals & Kavukcuoglu 2017, https://arxiv.org/abs/1711.00937
 */
import { noGrad } from "../../autograd/tape.js";
import { MLP } from "../../nn/mlp.js";
import { bceWithLogits } from "../../ops/loss.js";
import { rand, zeros } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { GenerativeModel, type Capability, type DataShape, type LikelihoodResult, type StepContext } from "../base.js";
import type { LatentModel, Sampler, Scorer, Trainable, TrainingPhase } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import { registerModel } from "../registry.js";
import * as z from "zod";

const decayRule = "must be a number in [0, 1), e.g. 0.99";
export const options = z.object({
  hidden: field.positiveInts([400], "hidden layer sizes of the encoder (ReLU; the decoder mirrors them)"),
  latents: field.positiveInt(8, "code vectors per image"),
  codeDim: field.positiveInt(16, "size of each code vector"),
  codebookSize: field.positiveInt(64, "number of codebook vectors K"),
  commitment: field.positiveNumber(0.25, "commitment weight β"),
  codebookUpdate: field.oneOf(
    ["ema", "loss"],
    "ema",
    "how the codebook learns: exponential moving averages of assigned vectors, or the codebook loss",
  ),
  decay: z
    .number({ error: decayRule })
    .min(0, { error: decayRule })
    .lt(1, { error: decayRule })
    .default(0.99)
    .describe("moving-average decay γ of the codebook (ema) and of code use (restarts, prior)"),
  restartThreshold: z
    .number({ error: "must be a non-negative number, e.g. 0.01" })
    .min(0, { error: "must be a non-negative number, e.g. 0.01" })
    .default(0.01)
    .describe("restart a code whose moving-average assignments per batch fall below this (0: never)"),
});
export type VQVAEConfig = OptionsOf<typeof options>;

/** Smoothing of the moving-average counts so a code with none assigned keeps a finite vector ([1] uses 1e-5). */
const EMA_EPSILON = 1e-5;

/**
 * k = argmin_j ‖z_i − e_j‖² for each row of z [N, d] against the codebook [K, d]; ties go to the lowest index.
 */
export function nearestCodes(zRows: Tensor, codebook: Tensor): Int32Array {
  const d2 = noGrad(() =>
    zRows
      .square()
      .sum(1, true)
      .sub(zRows.matmul(codebook.T).mul(2))
      .add(codebook.square().sum(1).reshape([1, codebook.shape[0]!])),
  ).toArray();
  const [n, k] = [zRows.shape[0]!, codebook.shape[0]!];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (d2[i * k + j]! < d2[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** z_e + sg[z_q − z_e]: the value of z_q, the gradient of z_e. */
export const straightThrough = (ze: Tensor, zq: Tensor): Tensor => ze.add(zq.sub(ze).detach());

/** Moving-average codebook state: assignment counts N [K] and sums of assigned vectors m [K, d]. */
export interface EmaState {
  counts: Float64Array;
  sums: Float64Array;
}

/**
 * One moving-average step ([1] appendix A.1): N_k ← γN_k + (1 − γ)n_k, m_k ← γm_k + (1 − γ)Σ_{i→k} z_i,
 * then e_k = m_k / Ñ_k with the Laplace-smoothed Ñ_k = (N_k + ε)·n / (n + Kε), n = Σ_k N_k. Returns the codebook
 * [K·d].
 */
export function emaCodebookStep(
  state: EmaState,
  z: ArrayLike<number>,
  codes: Int32Array,
  decay: number,
  eps = EMA_EPSILON,
): Float64Array {
  const K = state.counts.length,
    d = state.sums.length / K;
  const batchCounts = new Float64Array(K),
    batchSums = new Float64Array(K * d);
  codes.forEach((k, i) => {
    batchCounts[k]!++;
    for (let c = 0; c < d; c++) batchSums[k * d + c]! += z[i * d + c]!;
  });
  for (let k = 0; k < K; k++) state.counts[k] = decay * state.counts[k]! + (1 - decay) * batchCounts[k]!;
  for (let j = 0; j < K * d; j++) state.sums[j] = decay * state.sums[j]! + (1 - decay) * batchSums[j]!;
  const total = state.counts.reduce((a, b) => a + b, 0);
  const out = new Float64Array(K * d);
  for (let k = 0; k < K; k++) {
    const smoothed = ((state.counts[k]! + eps) * total) / (total + K * eps);
    for (let c = 0; c < d; c++) out[k * d + c] = state.sums[k * d + c]! / smoothed;
  }
  return out;
}

/** exp(entropy) of code frequencies: K when every code is used equally, 1 when one code takes everything. */
export function perplexity(counts: ArrayLike<number>): number {
  let total = 0;
  for (let k = 0; k < counts.length; k++) total += counts[k]!;
  let h = 0;
  for (let k = 0; k < counts.length; k++) {
    const p = counts[k]! / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

export interface CodebookUsage {
  perplexity: number;
  codesUsed: number;
  codebookSize: number;
}

export class VQVAE extends GenerativeModel implements Scorer, LatentModel, Sampler, Trainable {
  readonly modelName = "vq-vae";
  readonly capabilities: readonly Capability[] = ["reconstruction-score", "latent", "sampler", "trainable"];
  readonly encoder: MLP;
  readonly decoder: MLP;
  /** [K, d]: a parameter ("loss") or a buffer moved by averages ("ema") */
  readonly codebook: Tensor;
  /** moving-average assignments per batch N_k [K] */
  readonly usage: Tensor;
  /** moving-average sums of assigned vectors m_k [K, d] ("ema") */
  readonly emaSums: Tensor;
  /** moving-average code frequencies per latent position [latents, K]: the sampling prior */
  readonly positionCounts: Tensor;
  /** the last training batch's encoder outputs and codes, for the update after the optimizer step */
  #lastBatch: { ze: Float32Array; codes: Int32Array } | null = null;

  constructor(
    readonly config: VQVAEConfig,
    readonly data: DataShape,
    generator: Generator,
  ) {
    super();
    const { hidden, latents, codeDim, codebookSize: K } = config;
    this.encoder = this.registerModule("encoder", new MLP([data.dim, ...hidden, latents * codeDim], "relu", generator));
    this.decoder = this.registerModule(
      "decoder",
      new MLP([latents * codeDim, ...[...hidden].reverse(), data.dim], "relu", generator),
    );
    const init = rand([K, codeDim], { generator, low: -1 / K, high: 1 / K });
    this.codebook =
      config.codebookUpdate === "loss"
        ? this.registerParameter("codebook", init)
        : this.registerBuffer("codebook", init);
    // codes start unused: the first update restarts the ones the batch did not pick at encoder outputs
    this.usage = this.registerBuffer("usage", zeros([K]));
    this.emaSums = this.registerBuffer("emaSums", init.mul(0));
    this.positionCounts = this.registerBuffer("positionCounts", zeros([latents, K]));
  }

  get latentDim(): number {
    return this.config.latents * this.config.codeDim;
  }

  /** z_e: [n, latents·codeDim] */
  encode(x: Tensor): Tensor {
    return this.encoder.forward(x);
  }

  /** codes [n·latents] of images x */
  codes(x: Tensor): Int32Array {
    return noGrad(() => nearestCodes(this.#rows(this.encode(x)), this.codebook));
  }

  #rows(ze: Tensor): Tensor {
    return ze.reshape([ze.size / this.config.codeDim, this.config.codeDim]);
  }

  /** z_q for codes [n·latents]: [n, latents·codeDim] */
  lookup(codes: Int32Array): Tensor {
    return this.codebook.indexSelect(0, codes).reshape([codes.length / this.config.latents, this.latentDim]);
  }

  /** The quantized codes' vectors z_q [n, latentDim]. */
  embed(x: Tensor): Tensor {
    return noGrad(() => this.lookup(this.codes(x)));
  }

  /** Pixel means σ(decoder(z)) for vectors z [n, latentDim], quantized or not (the decoder is defined everywhere). */
  decodeMean(zq: Tensor): Tensor {
    return noGrad(() => this.decoder.forward(zq).sigmoid());
  }

  reconstruct(x: Tensor): Tensor {
    return this.decodeMean(this.embed(x));
  }

  /** −log p(x | z) per image [n] (Bernoulli cross-entropy of the pixels given the decoder's logits at z). */
  reconstructionNll(x: Tensor, zq: Tensor): Tensor {
    return bceWithLogits(this.decoder.forward(zq), x, { reduction: "none" }).sum(1);
  }

  /** The training loss for a batch (nats and squared distances per image, averaged), remembering its codes. */
  loss(x: Tensor): Tensor {
    const ze = this.encode(x);
    const codes = nearestCodes(this.#rows(ze), this.codebook);
    const zq = this.lookup(codes);
    this.#lastBatch = { ze: Float32Array.from(ze.toArray()), codes };
    const commitment = ze.sub(zq.detach()).square().sum(1).mul(this.config.commitment);
    let perImage = this.reconstructionNll(x, straightThrough(ze, zq)).add(commitment);
    if (this.config.codebookUpdate === "loss") perImage = perImage.add(ze.detach().sub(zq).square().sum(1));
    return perImage.mean();
  }

  trainingPhases(): TrainingPhase[] {
    return [
      {
        name: "vq-vae",
        parameters: this.parameters(),
        loss: (x) => this.loss(x),
        afterUpdate: (_x, ctx) => this.afterUpdate(ctx),
      },
    ];
  }

  /** Moving averages (codebook, use, per-position frequencies) and dead-code restarts from the last batch. */
  afterUpdate(ctx: Pick<StepContext, "generator">): void {
    const last = this.#lastBatch;
    if (!last) return;
    this.#lastBatch = null;
    const { decay, latents, codebookSize: K, codeDim: d } = this.config;
    const state: EmaState = {
      counts: Float64Array.from(this.usage.data),
      sums: Float64Array.from(this.emaSums.data),
    };
    const ema = emaCodebookStep(state, last.ze, last.codes, decay);
    this.usage.data.set(state.counts);
    this.emaSums.data.set(state.sums);
    if (this.config.codebookUpdate === "ema") this.codebook.data.set(ema);
    const pc = this.positionCounts.data;
    for (let j = 0; j < pc.length; j++) pc[j]! *= decay;
    last.codes.forEach((k, i) => (pc[(i % latents) * K + k]! += 1 - decay));
    this.#restartDeadCodes(last.ze, d, ctx.generator);
  }

  #restartDeadCodes(ze: Float32Array, d: number, g: Generator): void {
    const { restartThreshold, latents, codebookSize: K } = this.config;
    const dead = [...this.usage.data.keys()].filter((k) => this.usage.data[k]! < restartThreshold);
    if (dead.length === 0) return;
    const picks = g.integers(dead.length, ze.length / d);
    dead.forEach((k, j) => {
      const src = ze.subarray(picks[j]! * d, (picks[j]! + 1) * d);
      this.codebook.data.set(src, k * d);
      this.emaSums.data.set(src, k * d); // as if assigned once: N_k = 1, m_k = z
      this.usage.data[k] = 1;
      for (let p = 0; p < latents; p++) this.positionCounts.data[p * K + k] = 0;
    });
  }

  /** Codebook use on images x: perplexity of the code frequencies and how many distinct codes appear. */
  codebookUsage(x: Tensor): CodebookUsage {
    const counts = new Float64Array(this.config.codebookSize);
    for (const k of this.codes(x)) counts[k]!++;
    return {
      perplexity: perplexity(counts),
      codesUsed: counts.filter((c) => c > 0).length,
      codebookSize: this.config.codebookSize,
    };
  }

  logLikelihood(x: Tensor): LikelihoodResult {
    const nll = noGrad(() => this.reconstructionNll(x, this.embed(x)));
    return { logp: Float64Array.from(nll.toArray(), (v) => -v), estimator: "reconstruction" };
  }

  /** Codes drawn per position from its moving-average frequencies (independently), then decoded to pixel means. */
  sample(n: number, generator: Generator): Tensor {
    const { latents, codebookSize: K } = this.config;
    const pc = this.positionCounts.data;
    const u = generator.uniform01(n * latents);
    const codes = new Int32Array(n * latents);
    for (let i = 0; i < codes.length; i++) {
      const row = (i % latents) * K;
      let total = 0;
      for (let k = 0; k < K; k++) total += pc[row + k]!;
      // before any training step every code is equally likely
      let target = u[i]! * (total > 0 ? total : K),
        k = 0;
      while (k < K - 1 && (target -= total > 0 ? pc[row + k]! : 1) > 0) k++;
      codes[i] = k;
    }
    return this.decodeMean(noGrad(() => this.lookup(codes)));
  }
}

registerModel({
  name: "vq-vae",
  description: "VQ-VAE (van den Oord et al. 2017): MLP encoder/decoder, 8 codes of 16 dims from a 64-vector codebook",
  family: "latent",
  options,
  recipe: {
    dataset: "mnist",
    epochs: 20,
    batchSize: 100,
    lr: 1e-3,
    patience: 5,
    reference: "van den Oord et al. 2017 with EMA codebook (γ = 0.99, β = 0.25); MLPs instead of convolutions",
  },
  create: (config, data, generator) => new VQVAE(config, data, generator),
});
