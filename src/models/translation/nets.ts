/**
 * The small convolutional networks of the translation models, for 3-channel images whose sides are multiples of 4
 * (28 × 28): two stride-2 stages down to a quarter-size grid and two back up, as in the CycleGAN generator [1] with
 * fewer and narrower layers so that a step stays cheap on a CPU. Hidden layers of the generators are
 * instance-normalised (per image and channel, no learned scale, as in the paper): without it the output logits ran
 * away within 40 steps (to −120, every pixel black, the sigmoid's gradient gone). A translation does not depend on
 * its batch. The discriminator is a PatchGAN [1]: one score per cell of the quarter-size grid, each seeing an
 * 18 × 18-pixel patch; with a third stride-2 layer, one score per cell of a 3 × 3 grid, each field 38 × 38 pixels
 * wide (the centre cell's covers the whole image), so that a texture with no digit in it can be told from one with.
 * [1]: Zhu, Park, Isola & Efros 2017, https://arxiv.org/abs/1703.10593
 */
import { Conv2d, ConvTranspose2d } from "../../nn/conv.js";
import { Module } from "../../nn/module.js";
import { SpectralConv2d } from "../../nn/spectral-norm.js";
import { concat } from "../../ops/movement.js";
import { randn } from "../../tensor/create.js";
import { fmt } from "../../tensor/shape.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { field } from "../options.js";
import * as z from "zod";

const down = { stride: 2, padding: 1 };
const LEAKY = 0.2;

/** (h − mean) / √(var + 1e-5) over each image's channel [H, W] (instance normalisation, Ulyanov et al. 2016). */
export function instanceNorm(h: Tensor): Tensor {
  const centred = h.sub(h.mean([2, 3], true));
  return centred.div(centred.square().mean([2, 3], true).add(1e-5).sqrt());
}

/** x + conv(relu(conv(x))), 3 × 3 convolutions at a fixed width. */
class ResidualBlock extends Module {
  readonly c1: Conv2d;
  readonly c2: Conv2d;

  constructor(width: number, g: Generator) {
    super();
    this.c1 = this.registerModule("c1", new Conv2d(width, width, 3, { padding: 1, generator: g }));
    this.c2 = this.registerModule("c2", new Conv2d(width, width, 3, { padding: 1, generator: g }));
  }

  forward(x: Tensor): Tensor {
    return x.add(instanceNorm(this.c2.forward(instanceNorm(this.c1.forward(x)).relu())));
  }
}

/** [n, C, H, W] → [n, C, 2H, 2W], each value copied into a 2 × 2 block (nearest-neighbour upsampling). */
export function upsampleNearest(x: Tensor): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return x
    .reshape([n, c, h, 1, w, 1])
    .expand([n, c, h, 2, w, 2])
    .contiguous()
    .reshape([n, c, 2 * h, 2 * w]);
}

/**
 * The [1, 2, 1] / 4 binomial filter along one spatial axis (2: rows, 3: columns) of [n, C, H, W], the edge values
 * repeated beyond the border so that a flat image stays flat.
 */
function binomial(x: Tensor, axis: 2 | 3): Tensor {
  const len = x.shape[axis]!;
  const padded = concat([x.slice(axis, 0, 1), x, x.slice(axis, len - 1, len)], axis);
  const at = (start: number): Tensor => padded.slice(axis, start, start + len);
  return at(0).add(at(1).mul(2)).add(at(2)).mul(0.25);
}

/**
 * `passes` rounds of the separable binomial filter: a low-pass blur with σ = √(passes / 2) pixels. It removes the
 * pixel-scale patterns a generator can hide a code in and keeps a digit's strokes (two pixels wide and more).
 */
export function binomialBlur(x: Tensor, passes: number): Tensor {
  let h = x;
  for (let i = 0; i < passes; i++) h = binomial(binomial(h, 2), 3);
  return h;
}

/** The option that sets the blur on the cycle's way back, shared by both translation models. */
export const cycleBlurOption = field.nonNegativeInt(
  0,
  "passes of a [1, 2, 1] blur over a translation before the cycle's way back (0: none; σ = √(passes/2) px)",
  8,
);

/**
 * A translation as the cycle's way back sees it: blurred (`blur` passes), then with Gaussian noise of σ = `noise`
 * added. A code hidden in pixel-scale or faint variations is smoothed away and drowned; the strokes it shows are not.
 */
export function obscure(x: Tensor, blur: number, noise: number, g?: Generator): Tensor {
  const t = binomialBlur(x, blur);
  if (noise <= 0) return t;
  if (!g) throw new TypeError("translation: the cycle noise (cycleNoise > 0) needs a generator");
  return t.add(randn([...t.shape], { std: noise, generator: g }));
}

/** How a generator doubles its grid: a 4 × 4 stride-2 transposed conv, or nearest upsampling then a 3 × 3 conv. */
export type Upsampling = "transposed" | "resize";

/** The option that picks it, shared by both translation models. */
export const upsamplingOption = field.oneOf(
  ["transposed", "resize"],
  "transposed",
  "how the generators double their grid: 4 × 4 stride-2 transposed convs, or nearest upsampling then a 3 × 3 " +
    "conv (resize-conv, Odena et al. 2016: no uneven overlap, so no checkerboard pattern)",
);

/** One doubling of the grid, cin → cout channels, by either rule (registered under the caller's name). */
function upLayer(cin: number, cout: number, mode: Upsampling, g: Generator): Conv2d | ConvTranspose2d {
  return mode === "resize"
    ? new Conv2d(cin, cout, 3, { padding: 1, generator: g })
    : new ConvTranspose2d(cin, cout, 4, { ...down, generator: g });
}

/** Applies a layer made by upLayer: a plain conv is the resize rule, so the grid is doubled first. */
function up(layer: Conv2d | ConvTranspose2d, h: Tensor): Tensor {
  return layer instanceof Conv2d ? layer.forward(upsampleNearest(h)) : layer.forward(h);
}

export interface TranslatorOptions {
  /** the 1 × 1 convolution of the input added to the output logits (default on) */
  skip?: boolean;
  /** how the up-path doubles its grid (default "transposed") */
  upsampling?: Upsampling;
  /** channels of a noise vector, each constant over the image, read beside the input (default 0: none) */
  noiseChannels?: number;
}

/**
 * Image → image of the same size: 4 × 4 stride-2 convs to w and 2w channels → `blocks` residual blocks on the
 * quarter-size grid → two doublings of the grid (transposed convs, or resize-convs) to w and to the image channels;
 * ReLU between, plus a 1 × 1 convolution of the input itself (the outermost skip of a U-Net generator, which pix2pix
 * and CycleGAN also offer): pixel logits out, the caller applies the sigmoid. The skip lets a generator keep the
 * digit's strokes from the first step instead of rediscovering them through the quarter-size grid. The paper's 7 × 7
 * input and output convolutions are left out: each layer costs about as much as the others here, and the mapping
 * between these domains is local. A transposed conv gives neighbouring output pixels different subsets of its kernel
 * (a per-pixel pattern the generator must learn to cancel); nearest upsampling then a conv treats them alike.
 * With `noiseChannels` k > 0 the first conv also reads a vector z [n, k], each value spread over the image as one
 * constant channel (Augmented CycleGAN, Almahairi et al. 2018): a one-to-many map can then choose among its outputs
 * by z instead of inventing the variety from the input; the skip reads the image alone.
 */
export class ConvTranslator extends Module {
  readonly down1: Conv2d;
  readonly down2: Conv2d;
  readonly blocks: ResidualBlock[];
  // a transposed conv keeps its earlier name and shape, so that checkpoints from before the option still load
  readonly up1: Conv2d | ConvTranspose2d;
  readonly up2: Conv2d | ConvTranspose2d;

  /** without the skip (`skip` false) every pixel passes through the quarter-size grid */
  readonly skip: Conv2d | null;
  readonly noiseChannels: number;

  constructor(channels: number, width: number, nBlocks: number, g: Generator, o: TranslatorOptions = {}) {
    super();
    const mode = o.upsampling ?? "transposed";
    this.noiseChannels = o.noiseChannels ?? 0;
    const cin = channels + this.noiseChannels;
    this.down1 = this.registerModule("down1", new Conv2d(cin, width, 4, { ...down, generator: g }));
    this.down2 = this.registerModule("down2", new Conv2d(width, 2 * width, 4, { ...down, generator: g }));
    this.blocks = Array.from({ length: nBlocks }, (_, i) =>
      this.registerModule(`block${i}`, new ResidualBlock(2 * width, g)),
    );
    this.up1 = this.registerModule("up1", upLayer(2 * width, width, mode, g));
    this.up2 = this.registerModule("up2", upLayer(width, channels, mode, g));
    this.skip =
      (o.skip ?? true) ? this.registerModule("skip", new Conv2d(channels, channels, 1, { generator: g })) : null;
  }

  /** pixel logits [n, C, H, W] for images [n, C, H, W] (and, with noise channels, the noise z [n, k]) */
  forward(x: Tensor, z?: Tensor): Tensor {
    let h = instanceNorm(this.down2.forward(instanceNorm(this.down1.forward(this.#withNoise(x, z))).relu())).relu();
    for (const b of this.blocks) h = b.forward(h);
    const out = up(this.up2, instanceNorm(up(this.up1, h)).relu());
    return this.skip ? out.add(this.skip.forward(x)) : out;
  }

  /** the images with z's k values as k more channels, each constant over the image */
  #withNoise(x: Tensor, z: Tensor | undefined): Tensor {
    const k = this.noiseChannels;
    if (k === 0) return x;
    const [n, , h, w] = x.shape as [number, number, number, number];
    if (!z || z.shape.length !== 2 || z.shape[0] !== n || z.shape[1] !== k)
      throw new TypeError(`translator: ${n} images need noise [${n}, ${k}], not ${z ? fmt(z.shape) : "none"}`);
    return concat([x, z.reshape([n, k, 1, 1]).expand([n, k, h, w])], 1);
  }
}

/** The option that picks a PatchDiscriminator's depth, shared by both translation models. */
export const criticLayers = z
  .union([z.literal(2), z.literal(3)], { error: "must be 2 or 3" })
  .default(2)
  .describe("stride-2 layers of the discriminators: 2 (18 × 18-pixel patches) or 3 (38 × 38, the whole image)");

export interface PatchOptions {
  /** stride-2 layers: 2 (a score per 18 × 18 patch of a 7 × 7 grid) or 3 (3 × 3 grid, 38 × 38 patches) */
  layers?: 2 | 3;
  /** instance-normalise every layer after the first, as the paper's discriminators do */
  norm?: boolean;
  /** spectral normalisation of every conv's weight (Miyato et al. 2018; src/nn/spectral-norm.ts) */
  spectral?: boolean;
}

/**
 * PatchGAN: 4 × 4 stride-2 convs (w, 2w[, 4w]) with LeakyReLU, then a 3 × 3 conv to one score per cell,
 * [n, cells]; optionally instance-normalised after every conv but the first, and optionally with every conv's weight
 * spectrally normalised.
 */
export class PatchDiscriminator extends Module {
  readonly convs: Conv2d[];
  readonly out: Conv2d;
  readonly norm: boolean;

  constructor(channels: number, width: number, g: Generator, o: PatchOptions = {}) {
    super();
    const layers = o.layers ?? 2;
    this.norm = o.norm ?? false;
    const Layer = o.spectral ? SpectralConv2d : Conv2d;
    this.convs = Array.from({ length: layers }, (_, i) => {
      const cin = i === 0 ? channels : width * 2 ** (i - 1);
      // the first two keep their names of a 2-layer critic, so that earlier checkpoints still load
      return this.registerModule(`c${i + 1}`, new Layer(cin, width * 2 ** i, 4, { ...down, generator: g }));
    });
    this.out = this.registerModule("out", new Layer(width * 2 ** (layers - 1), 1, 3, { padding: 1, generator: g }));
  }

  forward(x: Tensor): Tensor {
    let h = x;
    this.convs.forEach((c, i) => {
      h = c.forward(h);
      if (this.norm && i > 0) h = instanceNorm(h);
      h = h.leakyRelu(LEAKY);
    });
    const s = this.out.forward(h);
    return s.reshape([x.shape[0]!, s.size / x.shape[0]!]);
  }
}

/** Image → features on the quarter-size grid: 4 × 4 stride-2 convs (w, 2w), LeakyReLU after each. */
export class DownStages extends Module {
  readonly c1: Conv2d;
  readonly c2: Conv2d;

  constructor(channels: number, width: number, g: Generator) {
    super();
    this.c1 = this.registerModule("c1", new Conv2d(channels, width, 4, { ...down, generator: g }));
    this.c2 = this.registerModule("c2", new Conv2d(width, 2 * width, 4, { ...down, generator: g }));
  }

  forward(x: Tensor): Tensor {
    return this.c2.forward(this.c1.forward(x).leakyRelu(LEAKY)).leakyRelu(LEAKY);
  }
}

/** Quarter-size features → image logits: 4 × 4 stride-2 transposed convs (w, then the channels), ReLU between. */
export class UpStages extends Module {
  readonly u1: ConvTranspose2d;
  readonly u2: ConvTranspose2d;

  constructor(channels: number, width: number, g: Generator) {
    super();
    this.u1 = this.registerModule("u1", new ConvTranspose2d(2 * width, width, 4, { ...down, generator: g }));
    this.u2 = this.registerModule("u2", new ConvTranspose2d(width, channels, 4, { ...down, generator: g }));
  }

  forward(h: Tensor): Tensor {
    return this.u2.forward(instanceNorm(this.u1.forward(h)).relu());
  }
}
