/**
 * The model contract. A model is a Module that declares what it can do — its capabilities — and implements the
 * matching interface: an exact density or a bound, a sampler, a completer, a latent space, a closed-form fit, an
 * initialisation from data, or training phases. Commands and pages ask through the type guards below and say plainly
 * when a model cannot do what was asked; they never test a model's name.
 */
import type { Split } from "../data/datasets.js";
import { Module } from "../nn/module.js";
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import type { RejectionOptions, RejectionStats } from "./adversarial/rejection.js";

/** How a log-likelihood figure was obtained (`dequantized-bound-k`: a continuous density's bound over k draws). */
export type Estimator =
  "exact" | "elbo" | `iwae-${number}` | "vq-bound" | `dequantized-bound-${number}` | "reconstruction";

export interface LikelihoodResult {
  /** per-image log p(x) (or its bound) in nats */
  logp: Float64Array;
  estimator: Estimator;
}

/** The data a model is built for: values per image and their [channels, height, width] layout. */
export interface DataShape {
  dim: number;
  shape: [number, number, number];
}

/** Everything a model may declare. */
export const CAPABILITIES = [
  "exact-density",
  "per-pixel-density",
  "bounded-density",
  "reconstruction-score",
  "sampler",
  "completer",
  "latent",
  "closed-form",
  "data-init",
  "trainable",
  "class-conditional",
  "translator",
  "truncation",
  "rejection",
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** What one capability means, for messages and `deepgen models`. */
export const CAPABILITY_TEXT: Record<Capability, string> = {
  "exact-density": "exact log-likelihood",
  "per-pixel-density": "per-pixel conditionals −log p(x_i | x_<i) (exact; terms of a bound for dequantized outputs)",
  "bounded-density": "a bound on the log-likelihood (ELBO / IWAE-k)",
  "reconstruction-score": "a reconstruction score (not a density)",
  sampler: "sampling",
  completer: "conditional completion",
  latent: "a latent space (embed, decode)",
  "closed-form": "a closed-form fit",
  "data-init": "initialisation from the training data",
  trainable: "gradient training",
  "class-conditional": "class conditioning p(x | y): training, scoring and sampling take class labels",
  translator: "translation between two image domains",
  truncation: "truncated sampling: each latent z_i drawn from N(0, 1) given |z_i| ≤ ψ (Brock et al. 2019)",
  rejection: "discriminator rejection sampling: generated images kept by chance from D's logit (Azadi et al. 2019)",
};

export abstract class GenerativeModel extends Module {
  abstract readonly modelName: string;
  /** the JSON options the model was created with (saved in checkpoints) */
  abstract readonly config: object;
  /** what this model can do; each entry is backed by the interface of the same name below */
  abstract readonly capabilities: readonly Capability[];
}

/**
 * Per-image log p(x) — exact, a stated bound, or (for autoencoders) a reconstruction score. Class-conditional models
 * score log p(x | y) given the labels.
 */
export interface Scorer {
  logLikelihood(x: Tensor, generator: Generator, labels?: Int32Array | null): LikelihoodResult;
  /** what validation during training reports (a cheaper bound where the full estimate is expensive) */
  validationLogLikelihood?(x: Tensor, generator: Generator): LikelihoodResult;
  /**
   * images per batch when a whole split is scored and no batch size is asked for (default 500): models with wide
   * activations keep each one small, as fresh large buffers cost more in page faults than the batch saves
   */
  readonly evalBatchSize?: number;
}

/**
 * log p(x_i | x_<i) of every value of every image, [n, dim] row-major, in raster order: row, column, channel. A model
 * whose scores are sampled (dequantization) draws from `generator`; given logLikelihood's generator state, the values
 * sum to its scores.
 */
export interface PixelScorer {
  perPixelLogLikelihood(x: Tensor, labels?: Int32Array | null, generator?: Generator): Float64Array;
}

/** n samples [n, dim] with values in [0, 1] (of the given classes, for class-conditional models). */
export interface Sampler {
  sample(n: number, generator: Generator, opts?: { labels?: Int32Array | null }): Tensor;
}

/**
 * A sampler whose latent z ~ N(0, I) may be truncated: each coordinate redrawn until |z_i| ≤ ψ (Brock et al. 2019),
 * trading the samples' variety for their typicality. The images are then not samples of the model's distribution.
 */
export interface TruncatedSampler {
  sample(n: number, generator: Generator, opts?: { labels?: Int32Array | null; truncation?: number }): Tensor;
}

/**
 * A sampler that filters its own generator's images with its discriminator (Azadi et al. 2019, rejection.ts): each
 * candidate kept with probability σ(F(x)) from D's logit, the largest logit seen and the shift γ. The kept images
 * are the model's samples reweighted by D, with the counts of what was drawn and kept.
 */
export interface RejectionSampler {
  rejectionSample(n: number, generator: Generator, opts: RejectionOptions): { x: Tensor; stats: RejectionStats };
}

/**
 * A model of p(x | y) for class labels y in [0, classes): the Trainer passes each batch's labels to its training
 * step (`StepContext.labels`), and `sample` takes labels.
 */
export interface ClassConditional {
  readonly classes: number;
}

/** Fills the unobserved pixels of x [n, dim] (`observed` [dim] marks the kept ones; null: none) by sampling. */
export interface Completer {
  complete(x: Tensor, observed: Uint8Array | null, generator: Generator): Tensor;
}

/** An encoder to a latent space and, where there is one, a decoder back to pixel means. */
export interface LatentModel {
  readonly latentDim: number;
  /** the representation used by embed and probe: latent means (or codes), [n, latentDim] */
  embed(x: Tensor): Tensor;
  /** pixel means in [0, 1] for latents z [n, latentDim] */
  decodeMean?(z: Tensor): Tensor;
  /** x → its code → pixel means */
  reconstruct?(x: Tensor): Tensor;
}

/** A maximum-likelihood fit without gradient steps (counting, eigenvectors). */
export interface ClosedForm {
  fitClosedForm(train: Split, generator: Generator): void;
  /** free parameters, where they differ from the stored numbers */
  freeParameters?(): bigint;
}

/** An initialisation from the training split before the first step (e.g. output biases at the data mean). */
export interface DataInit {
  initFromData(train: Split): void;
}

export interface StepContext {
  generator: Generator;
  /** training steps taken before this one */
  step: number;
  epoch: number;
  /** the batch's class labels, given to class-conditional models (null for the others or unlabelled data) */
  labels?: Int32Array | null;
}

/**
 * One phase of a training step: a loss and the parameter group its own optimizer updates. A step runs every phase in
 * order, each `repeat` times (k discriminator updates per generator update); `afterUpdate` runs after each of its
 * optimizer steps (e.g. an exponential moving average of a codebook).
 */
export interface TrainingPhase {
  name: string;
  parameters: Tensor[];
  /** the phase's loss for a batch [B, dim]; for likelihood models, nats per image averaged over the batch */
  loss(x: Tensor, ctx: StepContext): Tensor;
  repeat?: number;
  /** a learning rate relative to the recipe's (1 if absent) */
  lrFactor?: number;
  afterUpdate?(x: Tensor, ctx: StepContext): void;
}

export type TranslationDirection = "a-to-b" | "b-to-a";

/**
 * Maps images of one domain to the other (unpaired translation). Both domains share one image layout,
 * `domainShape`; the training data carries one image of each domain per example, side by side in its channels.
 */
export interface Translator {
  readonly domainShape: [number, number, number];
  /** images x [n, C·H·W] of the source domain → [n, C·H·W] in the other domain, values in [0, 1] */
  translate(x: Tensor, direction: TranslationDirection): Tensor;
}

export interface Trainable {
  trainingPhases(): TrainingPhase[];
  /**
   * Recomputes what depends on the weights besides the weights themselves (batch norm's running estimates) after
   * they were replaced by their moving average; the Trainer calls it with the average in, and restores the buffers
   * with the raw weights. `generator` is for any noise it draws.
   */
  recalibrate?(generator: Generator): void;
}

const has = (m: GenerativeModel, c: Capability): boolean => m.capabilities.includes(c);

export const hasExactDensity = (m: GenerativeModel): m is GenerativeModel & Scorer => has(m, "exact-density");
export const hasPerPixelDensity = (m: GenerativeModel): m is GenerativeModel & PixelScorer =>
  has(m, "per-pixel-density");
/** An exact density or a stated bound on it. */
export const hasDensity = (m: GenerativeModel): m is GenerativeModel & Scorer =>
  has(m, "exact-density") || has(m, "bounded-density");
/** Any per-image score `eval` can report: a density, a bound or a reconstruction score. */
export const isScorer = (m: GenerativeModel): m is GenerativeModel & Scorer =>
  hasDensity(m) || has(m, "reconstruction-score");
export const canSample = (m: GenerativeModel): m is GenerativeModel & Sampler => has(m, "sampler");
export const canComplete = (m: GenerativeModel): m is GenerativeModel & Completer => has(m, "completer");
export const isLatentModel = (m: GenerativeModel): m is GenerativeModel & LatentModel => has(m, "latent");
export const hasClosedForm = (m: GenerativeModel): m is GenerativeModel & ClosedForm => has(m, "closed-form");
export const hasDataInit = (m: GenerativeModel): m is GenerativeModel & DataInit => has(m, "data-init");
export const isTrainable = (m: GenerativeModel): m is GenerativeModel & Trainable => has(m, "trainable");
export const isClassConditional = (m: GenerativeModel): m is GenerativeModel & ClassConditional =>
  has(m, "class-conditional");

/**
 * The labels a model takes for a split: the split's for a class-conditional model (an error when it has none, or one
 * out of range), null for the others.
 */
export function labelsFor(m: GenerativeModel, labels: Int32Array | null, data = "this dataset"): Int32Array | null {
  if (!isClassConditional(m)) return null;
  if (!labels)
    throw new RangeError(
      `${m.modelName} is class-conditional (${m.classes} classes) and needs labels; ${data} has none ` +
        `(use mnist or mnist-fixed)`,
    );
  const bad = labels.find((y) => !(y >= 0 && y < m.classes));
  if (bad !== undefined) throw new RangeError(`${m.modelName}: label ${bad} is not in [0, ${m.classes})`);
  return labels;
}
export const canTruncate = (m: GenerativeModel): m is GenerativeModel & TruncatedSampler => has(m, "truncation");
export const canReject = (m: GenerativeModel): m is GenerativeModel & RejectionSampler => has(m, "rejection");
export const canTranslate = (m: GenerativeModel): m is GenerativeModel & Translator => has(m, "translator");

/** The methods behind each capability, used to check that a model implements what it declares. */
export const CAPABILITY_METHODS: Record<Capability, string[]> = {
  "exact-density": ["logLikelihood"],
  "per-pixel-density": ["perPixelLogLikelihood"],
  "bounded-density": ["logLikelihood"],
  "reconstruction-score": ["logLikelihood"],
  sampler: ["sample"],
  completer: ["complete"],
  latent: ["embed"],
  "closed-form": ["fitClosedForm"],
  "data-init": ["initFromData"],
  trainable: ["trainingPhases"],
  "class-conditional": ["sample"],
  translator: ["translate"],
  truncation: ["sample"],
  rejection: ["rejectionSample"],
};

/**
 * A model trained by minimising one loss (a negative log-likelihood or a bound) over all its parameters: one phase.
 */
export abstract class LikelihoodModel extends GenerativeModel implements Trainable {
  /**
   * The training objective for a batch x [B, dim]: nats per image, averaged over the batch (of −log p(x | y) for a
   * class-conditional model, given the labels).
   */
  abstract loss(x: Tensor, generator: Generator, labels?: Int32Array | null): Tensor;

  trainingPhases(): TrainingPhase[] {
    return [
      {
        name: "nll",
        parameters: this.parameters(),
        loss: (x, ctx) => this.loss(x, ctx.generator, labelsFor(this, ctx.labels ?? null)),
      },
    ];
  }
}
