/**
 * DCGAN [1] for 28×28 images, in the project's benchmark configuration: G: z → Linear(128·7·7) + BatchNorm + ReLU
 * → [128, 7, 7] → ConvTranspose(4, stride 2, pad 1) 64 + BatchNorm + ReLU → ConvTranspose(4, 2, 1) to the image
 * channels, sigmoid; D: Conv(4, 2, 1) 64 + LeakyReLU(0.2) → Conv(4, 2, 1) 128 + BatchNorm + LeakyReLU → Linear 1.
 * Trained with the GAN losses of gan.ts (k discriminator steps, non-saturating or minimax generator loss; D may step
 * at a multiple of the learning rate, the two time-scale rule of Heusel et al. 2017), or with the hinge pair of
 * losses.ts (Miyato et al. 2018). Weights
 * start from the paper's N(0, 0.02²) (normal-init.ts) unless `init` is "uniform". Each ReLU and LeakyReLU runs inside
 * the kernel pass of the layer before it (batch norm's, or the first discriminator convolution's), forward and back.
 *
 * With `classes` > 0 the pair is class-conditional: G adds a learned vector per class to its first layer's
 * pre-activation (the same as feeding z concatenated with the one-hot label), and D is a projection discriminator
 * [2]: its logit gains ⟨e_y, φ(x)⟩, the inner product of its last features with a learned vector of the class.
 * Training gives each generated batch the real batch's labels; sampling takes labels (the classes in turn if none).
 *
 * With `codes` = k > 0 the pair stays unconditional (no labels are read) but G takes a categorical code
 * c ~ U{0, …, k − 1} beside z, through the same per-value vector, and D gains a head Q(c | x) on its last features:
 * InfoGAN [3]. Both phases add λ·E[−log Q(c | G(z, c))], a variational bound on −I(c; G(z, c)) up to the constant
 * H(c), so that c must stay readable from the image. Its use here: the digits are ten separate shapes, and a
 * generator continuous in z alone must also draw the ambiguous images between them (Khayatkhoei et al. 2018 [4]);
 * a discrete code lets it jump. Measured (README, sample quality): with a linear Q, 10 epochs reach classifier
 * score 8.24 where ttur alone reaches 7.24, 8.64 after 30; at the paper's N(0, 0.02²) for the code vectors (with z
 * of 100) Q read the code back for 99.5% of draws but each code drew a mix of digits, hence `codeInit`. Q is a
 * linear head by default; `qHidden` gives it the paper's hidden layer (FC, batch norm, LeakyReLU) before the logits,
 * which the `infogan` recipe uses: 10 epochs then give score 8.63 and 8.52 at seeds 0 and 1 (8.24 and 8.24 linear).
 * [1]: Radford, Metz & Chintala 2016, https://arxiv.org/abs/1511.06434
 * [2]: Miyato & Koyama 2018, cGANs with Projection Discriminator, https://arxiv.org/abs/1802.05637
 * [3]: Chen et al. 2016, InfoGAN, https://arxiv.org/abs/1606.03657
 * [4]: Khayatkhoei, Singh & Elgammal 2018, Disconnected Manifold Learning for GANs, https://arxiv.org/abs/1806.00880
 */
import { BatchNorm1d, BatchNorm2d } from "../../nn/layers.js";
import { Conv2d, ConvTranspose2d } from "../../nn/conv.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { crossEntropy } from "../../ops/loss.js";
import { oneHot } from "../../ops/movement.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Capability, ClassConditional, DataShape, StepContext } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import { registerModel } from "../registry.js";
import { ADVERSARIAL_CAPABILITIES, AdversarialModel } from "./adversarial.js";
import { dcganDefault, dcganRecipes } from "./dcgan-recipes.js";
import { discriminatorLoss, generatorLoss } from "./losses.js";
import { LEAKY_SLOPE } from "./mlp-net.js";
import { DCGAN_INIT_STD, normalInit } from "./normal-init.js";
import * as z from "zod";

export const options = z.object({
  noiseDim: field.positiveInt(100, "size of the generator's Gaussian input z"),
  width: field.positiveInt(64, "channels of the first discriminator and last hidden generator layer (doubled once)"),
  generatorLoss: field.oneOf(
    ["non-saturating", "minimax", "hinge"],
    "non-saturating",
    "generator objective on D's logit l: −log σ(l) (non-saturating), log(1 − σ(l)) (minimax) or −l (hinge)",
  ),
  discriminatorLoss: field.oneOf(
    ["logistic", "hinge"],
    "logistic",
    "discriminator objective: −log σ(l) real, −log(1 − σ(l)) generated (logistic), or max(0, 1 ∓ l) (hinge)",
  ),
  discriminatorSteps: field.positiveInt(1, "discriminator updates per generator update (k)"),
  discriminatorLr: field.positiveNumber(
    1,
    "the discriminator's learning rate as a multiple of the recipe's (two time-scale updates, Heusel et al. 2017)",
  ),
  init: field.oneOf(
    ["normal", "uniform"],
    "normal",
    "weights from N(0, 0.02²), BatchNorm gains from N(1, 0.02²), zero biases (normal, the paper's) or the " +
      "layers' own U(±1/√fan_in) (uniform)",
  ),
  classes: field.nonNegativeInt(
    0,
    "classes to condition on (0: unconditional): a class vector in G's first layer, a projection discriminator",
    100000,
  ),
  codes: field.nonNegativeInt(
    0,
    "values of a categorical latent code c drawn uniformly beside z, read back by a head Q(c | x) on D (InfoGAN; " +
      "0: none). No labels are used",
    100000,
  ),
  infoWeight: field.positiveNumber(1, "λ, the weight of the information term −λ·log Q(c | G(z, c)) (with codes)"),
  qHidden: field.nonNegativeInt(
    0,
    "units of a hidden layer in Q, with batch norm and LeakyReLU (with codes; 0: Q is linear on D's last features; " +
      "the InfoGAN paper's has 128)",
    100000,
  ),
  codeInit: field.positiveNumber(
    0.02,
    "standard deviation of G's code vectors at initialisation (with codes and the normal init; 0.02·√noiseDim " +
      "gives the code as much of fc's output variance as all of z)",
  ),
});
export type DCGANConfig = OptionsOf<typeof options>;

const k4s2p1 = { stride: 2, padding: 1 };
const relu = { activation: "relu" } as const,
  leaky = { activation: "leaky-relu", slope: LEAKY_SLOPE } as const;

/**
 * The grid after the two stride-2 stages: ⌈H/4⌉ × ⌈W/4⌉ (7 × 7 for 28 × 28). Other sizes work at the next
 * multiple of 4: the discriminator pads images with zeros at the bottom and right, the generator crops its output.
 */
function quarterSize(data: DataShape): [number, number] {
  return [Math.ceil(data.shape[1] / 4), Math.ceil(data.shape[2] / 4)];
}

/** The labels (or latent codes) of a conditioned pass: one per image, each in [0, classes). */
function checkLabels(labels: Int32Array | null, n: number, classes: number, what = "label"): Int32Array {
  if (!labels) throw new RangeError(`dcgan: conditioned on ${classes} ${what} values, it needs a ${what} per image`);
  if (labels.length !== n) throw new RangeError(`dcgan: ${labels.length} ${what}s for ${n} images`);
  const bad = labels.find((y) => !(y >= 0 && y < classes));
  if (bad !== undefined) throw new RangeError(`dcgan: ${what} ${bad} is not in [0, ${classes})`);
  return labels;
}

export class DCGANGenerator extends Module {
  readonly fc: Linear;
  /** one vector per class (or latent code value) added to fc's output (null: neither) */
  readonly embed: Linear | null;
  readonly bn0: BatchNorm1d;
  readonly up1: ConvTranspose2d;
  readonly bn1: BatchNorm2d;
  readonly up2: ConvTranspose2d;

  constructor(
    noiseDim: number,
    readonly width: number,
    readonly data: DataShape,
    g: Generator,
    readonly classes = 0,
  ) {
    super();
    const [h, w] = quarterSize(data);
    this.fc = this.registerModule("fc", new Linear(noiseDim, 2 * width * h * w, { generator: g }));
    this.embed =
      classes > 0
        ? this.registerModule("embed", new Linear(classes, 2 * width * h * w, { generator: g, bias: false }))
        : null;
    this.bn0 = this.registerModule("bn0", new BatchNorm1d(2 * width * h * w, relu));
    this.up1 = this.registerModule("up1", new ConvTranspose2d(2 * width, width, 4, { ...k4s2p1, generator: g }));
    this.bn1 = this.registerModule("bn1", new BatchNorm2d(width, relu));
    this.up2 = this.registerModule("up2", new ConvTranspose2d(width, data.shape[0], 4, { ...k4s2p1, generator: g }));
  }

  /** pixel logits [n, dim]; `labels` (one per row of z: classes, or latent codes) for a conditioned generator */
  forward(z: Tensor, labels: Int32Array | null = null): Tensor {
    const [h, w] = quarterSize(this.data);
    const n = z.shape[0]!;
    let a = this.fc.forward(z);
    if (this.embed) a = a.add(this.embed.forward(oneHot(checkLabels(labels, n, this.classes), this.classes, z.dtype)));
    // bn0 and bn1 end in their ReLUs
    const x = this.bn0.forward(a).reshape([n, 2 * this.width, h, w]);
    const y = this.up2.forward(this.bn1.forward(this.up1.forward(x)));
    const [, H, W] = this.data.shape;
    const cropped = y.shape[2] === H && y.shape[3] === W ? y : y.slice(2, 0, H).slice(3, 0, W);
    return cropped.reshape([n, this.data.dim]);
  }
}

export class DCGANDiscriminator extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly fc: Linear;
  /** the projection's class vectors, one row per class over D's last features (null: unconditional) */
  readonly embed: Linear | null;
  /** InfoGAN's head: logits of Q(c | x) over the latent code's values from D's last features (null: no codes) */
  readonly q: Linear | null;
  /** Q's hidden layer and its batch norm (ending in a LeakyReLU), before `q` (null: Q is linear) */
  readonly qHidden: Linear | null;
  readonly qBn: BatchNorm1d | null;

  constructor(
    readonly width: number,
    readonly data: DataShape,
    g: Generator,
    readonly classes = 0,
    readonly codes = 0,
    qHidden = 0,
  ) {
    super();
    const [h, w] = quarterSize(data);
    this.conv1 = this.registerModule(
      "conv1",
      new Conv2d(data.shape[0], width, 4, { ...k4s2p1, ...leaky, generator: g }),
    );
    this.conv2 = this.registerModule("conv2", new Conv2d(width, 2 * width, 4, { ...k4s2p1, generator: g }));
    this.bn2 = this.registerModule("bn2", new BatchNorm2d(2 * width, leaky));
    this.fc = this.registerModule("fc", new Linear(2 * width * h * w, 1, { generator: g }));
    this.embed =
      classes > 0
        ? this.registerModule("embed", new Linear(classes, 2 * width * h * w, { generator: g, bias: false }))
        : null;
    const features = 2 * width * h * w,
      hidden = codes > 0 && qHidden > 0;
    this.qHidden = hidden ? this.registerModule("qHidden", new Linear(features, qHidden, { generator: g })) : null;
    this.qBn = hidden ? this.registerModule("qBn", new BatchNorm1d(qHidden, leaky)) : null;
    this.q =
      codes > 0 ? this.registerModule("q", new Linear(hidden ? qHidden : features, codes, { generator: g })) : null;
  }

  /** logits [n] for images [n, dim]; `labels` (one per image) for a class-conditional discriminator */
  forward(x: Tensor, labels: Int32Array | null = null): Tensor {
    return this.forwardWithCodes(x, labels, false).logit;
  }

  /**
   * D's logits [n] and, where it has InfoGAN's head, Q's logits over the code's values [n, codes], in one pass
   * (`withCodes` false: D's logits alone, as `forward`)
   */
  forwardWithCodes(
    x: Tensor,
    labels: Int32Array | null = null,
    withCodes = true,
  ): { logit: Tensor; codeLogits: Tensor | null } {
    const n = x.shape[0]!;
    const [, H, W] = this.data.shape,
      [h, w] = quarterSize(this.data);
    let img = x.reshape([n, ...this.data.shape]);
    if (4 * h !== H || 4 * w !== W)
      img = img.pad([
        [0, 0],
        [0, 0],
        [0, 4 * h - H],
        [0, 4 * w - W],
      ]);
    // conv1 and bn2 end in their LeakyReLUs
    const h2 = this.bn2.forward(this.conv2.forward(this.conv1.forward(img)));
    const phi = h2.reshape([n, h2.size / n]);
    const logit = this.fc.forward(phi).reshape([n]);
    const codeLogits = this.q && withCodes ? this.q.forward(this.qFeatures(phi)) : null;
    if (!this.embed) return { logit, codeLogits };
    const e = this.embed.forward(oneHot(checkLabels(labels, n, this.classes), this.classes, x.dtype));
    return { logit: logit.add(phi.mul(e).sum([1])), codeLogits };
  }

  /** Q's input: D's last features, or its hidden layer's (qBn ends in its LeakyReLU) */
  private qFeatures(phi: Tensor): Tensor {
    return this.qHidden && this.qBn ? this.qBn.forward(this.qHidden.forward(phi)) : phi;
  }
}

export class DCGAN extends AdversarialModel implements ClassConditional {
  readonly modelName: string = "dcgan";
  override readonly capabilities: readonly Capability[];
  readonly generatorNet: DCGANGenerator;
  readonly discriminatorNet: DCGANDiscriminator;

  constructor(
    readonly config: DCGANConfig,
    data: DataShape,
    generator: Generator,
  ) {
    super();
    const k = config.classes;
    if (k > 0 && config.codes > 0)
      throw new RangeError("dcgan: `classes` (labels in) and `codes` (InfoGAN's latent code) cannot both be set");
    // rejection sampling reads D's logit as log p_data − log p_g: a logistic, unconditional discriminator
    const rejection = k === 0 && config.discriminatorLoss === "logistic";
    this.capabilities = [
      ...ADVERSARIAL_CAPABILITIES,
      ...(k > 0 ? (["class-conditional"] as const) : []),
      ...(rejection ? (["rejection"] as const) : []),
    ];
    this.generatorNet = this.registerModule(
      "generator",
      new DCGANGenerator(config.noiseDim, config.width, data, generator, k || config.codes),
    );
    this.discriminatorNet = this.registerModule(
      "discriminator",
      new DCGANDiscriminator(config.width, data, generator, k, config.codes, config.qHidden),
    );
    if (config.init === "normal") {
      const { fc, bn0, up1, bn1, up2 } = this.generatorNet,
        d = this.discriminatorNet;
      const embeds = [this.generatorNet.embed, d.embed, d.q].filter((e): e is Linear => e !== null);
      const qLayers = [d.qHidden, d.qBn].filter((e): e is Linear | BatchNorm1d => e !== null);
      normalInit([fc, bn0, up1, bn1, up2, d.conv1, d.conv2, d.bn2, d.fc, ...embeds, ...qLayers], generator);
      // the code vectors rescaled from N(0, 0.02²) to N(0, codeInit²): no extra draw (0.02 changes nothing)
      const codeVectors = config.codes > 0 ? this.generatorNet.embed!.weight.data : null;
      codeVectors?.forEach((v, i, w) => (w[i] = (v * config.codeInit) / DCGAN_INIT_STD));
    }
  }

  /** classes the pair is conditioned on (0: unconditional) */
  get classes(): number {
    return this.config.classes;
  }

  get noiseDim(): number {
    return this.config.noiseDim;
  }

  override get latentCodes(): number {
    return this.config.codes;
  }

  get discriminatorSteps(): number {
    return this.config.discriminatorSteps;
  }

  override get discriminatorLrFactor(): number {
    return this.config.discriminatorLr;
  }

  generate(z: Tensor, labels: Int32Array | null = null): Tensor {
    return this.generatorNet.forward(z, labels).sigmoid();
  }

  score(x: Tensor, labels: Int32Array | null = null): Tensor {
    return this.discriminatorNet.forward(x, labels);
  }

  protected discriminatorLoss(real: Tensor, fake: Tensor, ctx: StepContext, codes: Int32Array | null): Tensor {
    const y = this.batchLabels(ctx);
    if (!codes) return discriminatorLoss(this.score(real, y), this.score(fake, y), this.config.discriminatorLoss);
    const f = this.discriminatorNet.forwardWithCodes(fake);
    const adversarial = discriminatorLoss(this.score(real), f.logit, this.config.discriminatorLoss);
    return adversarial.add(this.informationTerm(f.codeLogits, codes));
  }

  protected generatorLoss(fakeScore: Tensor): Tensor {
    return generatorLoss(fakeScore, this.config.generatorLoss);
  }

  protected override generatorPhaseLoss(fake: Tensor, labels: Int32Array | null, codes: Int32Array | null): Tensor {
    if (!codes) return super.generatorPhaseLoss(fake, labels, codes);
    const f = this.discriminatorNet.forwardWithCodes(fake);
    return this.generatorLoss(f.logit).add(this.informationTerm(f.codeLogits, codes));
  }

  /** λ·mean(−log Q(c | x)): the cross-entropy of Q's logits against the codes the images were drawn with */
  informationTerm(codeLogits: Tensor | null, codes: Int32Array): Tensor {
    if (!codeLogits) throw new Error("dcgan: the information term needs D's head Q (set `codes`)");
    return crossEntropy(codeLogits, checkLabels(codes, codeLogits.shape[0]!, this.config.codes, "code")).mul(
      this.config.infoWeight,
    );
  }
}

registerModel({
  name: "dcgan",
  description: "DCGAN (Radford et al. 2016): ConvTranspose generator with BatchNorm, conv LeakyReLU discriminator",
  family: "adversarial",
  options,
  recipe: dcganDefault,
  recipes: dcganRecipes,
  create: (config, data, generator) => new DCGAN(config, data, generator),
});
