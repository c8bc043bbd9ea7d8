/** Convolution layers: Conv2d, MaskedConv2d (PixelCNN types A/B with colour groups), ConvTranspose2d. */
import { conv2d, convTranspose2d, type Conv2dOptions } from "../ops/linalg.js";
import { tensor } from "../tensor/create.js";
import type { Generator } from "../tensor/rng.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { defaultUniform } from "./init.js";
import { Module } from "./module.js";

export interface ConvOptions extends Omit<Conv2dOptions, "residual"> {
  bias?: boolean;
  generator?: Generator;
}

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === "number" ? [v, v] : v);

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernel: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: Pair,
    readonly opts: ConvOptions = {},
  ) {
    super();
    this.kernel = pair(kernel);
    const fanIn = inChannels * this.kernel[0] * this.kernel[1];
    this.weight = this.registerParameter(
      "weight",
      defaultUniform([outChannels, inChannels, ...this.kernel], fanIn, opts.generator),
    );
    this.bias =
      opts.bias === false ? null : this.registerParameter("bias", defaultUniform([outChannels], fanIn, opts.generator));
  }

  protected effectiveWeight(): Tensor {
    return this.weight;
  }

  /** Kernel positions that take part (all unless a subclass masks some out for every channel). */
  protected liveTaps(): number[] | undefined {
    return undefined;
  }

  /** conv(x), plus `residual` (the output's shape) added in the same kernel pass when given. */
  forward(x: Tensor, residual?: Tensor): Tensor {
    const taps = this.liveTaps();
    return conv2d(x, this.effectiveWeight(), this.bias, {
      ...this.opts,
      ...(taps && { taps }),
      ...(residual && { residual }),
    });
  }
}

/**
 * The PixelCNN mask (van den Oord et al. 2016): a kernel position is visible when it is above the centre row, or on
 * it and left of the centre; at the centre, input group g_in is visible to output group g_out when g_in < g_out
 * (type A) or g_in ≤ g_out (type B). With `groups` colour channels (R→G→B), feature c of C belongs to group
 * ⌊c·groups/C⌋, so an output's R features never see the pixel's own R, G or B values under mask A.
 */
export function pixelCnnMask(
  type: "A" | "B",
  outChannels: number,
  inChannels: number,
  kh: number,
  kw: number,
  groups = 1,
): Tensor {
  if (kh % 2 === 0 || kw % 2 === 0)
    throw new RangeError(`pixelCnnMask: kernel ${kh}×${kw} must be odd in both dimensions`);
  if (outChannels % groups !== 0 || inChannels % groups !== 0) {
    throw new RangeError(
      `pixelCnnMask: ${inChannels} input and ${outChannels} output channels ` +
        `must both divide into ${groups} colour groups`,
    );
  }
  const ch = Math.floor(kh / 2),
    cw = Math.floor(kw / 2);
  const m = new Float32Array(outChannels * inChannels * kh * kw);
  for (let o = 0; o < outChannels; o++) {
    const go = Math.floor((o * groups) / outChannels);
    for (let i = 0; i < inChannels; i++) {
      const gi = Math.floor((i * groups) / inChannels);
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) {
          const visible =
            y < ch || (y === ch && x < cw) || (y === ch && x === cw && (type === "A" ? gi < go : gi <= go));
          m[((o * inChannels + i) * kh + y) * kw + x] = visible ? 1 : 0;
        }
    }
  }
  return tensor(m, [outChannels, inChannels, kh, kw]);
}

export class MaskedConv2d extends Conv2d {
  readonly mask: Tensor;

  constructor(
    readonly maskType: "A" | "B",
    inChannels: number,
    outChannels: number,
    kernel: Pair,
    opts: ConvOptions & { colorGroups?: number } = {},
  ) {
    const [kh, kw] = pair(kernel);
    super(inChannels, outChannels, [kh, kw], { padding: [Math.floor(kh / 2), Math.floor(kw / 2)], ...opts });
    this.mask = this.registerBuffer(
      "mask",
      pixelCnnMask(maskType, outChannels, inChannels, kh, kw, opts.colorGroups ?? 1),
    );
  }

  #taps: number[] | undefined;

  // positions where some channel pair is visible: the convolution skips the others (zero for every channel)
  protected override liveTaps(): number[] {
    if (this.#taps) return this.#taps;
    const [kh, kw] = this.kernel,
      m = this.mask.toArray(),
      live = new Array<boolean>(kh * kw).fill(false);
    m.forEach((v, i) => {
      if (v !== 0) live[i % (kh * kw)] = true;
    });
    return (this.#taps = live.flatMap((on, t) => (on ? [t] : [])));
  }

  // the mask multiplies the weight inside the graph; weights themselves are never changed
  protected override effectiveWeight(): Tensor {
    return this.weight.mul(this.mask);
  }
}

export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernel: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: Pair,
    readonly opts: ConvOptions & { outputPadding?: number } = {},
  ) {
    super();
    this.kernel = pair(kernel);
    // PyTorch computes the fan from weight dim 1 (out channels) for transposed convolutions
    const fanIn = outChannels * this.kernel[0] * this.kernel[1];
    this.weight = this.registerParameter(
      "weight",
      defaultUniform([inChannels, outChannels, ...this.kernel], fanIn, opts.generator),
    );
    this.bias =
      opts.bias === false ? null : this.registerParameter("bias", defaultUniform([outChannels], fanIn, opts.generator));
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new TypeError(`ConvTranspose2d: input ${fmt(x.shape)} must be NCHW`);
    return convTranspose2d(x, this.weight, this.bias, this.opts);
  }
}
