/**
 * A PixelCNN prior over a grid of discrete codes (the second stage of VQ-VAE [1]): p(z) = Π_i p(z_i | z_<i) in raster
 * order over a rows × cols grid, each conditional a K-way categorical. The codes enter one-hot (K input channels, so
 * the network never reads a code index as a magnitude) through a 7×7 mask-A convolution, PixelCNN's residual mask-B
 * blocks and its 1×1 output stack; the last layer's K channels are the categorical's logits, scored and sampled by the
 * pixel models' softmax output with `levels` = K.
 * [1]: van den Oord, Vinyals & Kavukcuoglu 2017, https://arxiv.org/abs/1711.00937
 */
import { noGrad } from "../../autograd/tape.js";
import { MaskedConv2d } from "../../nn/conv.js";
import { Module } from "../../nn/module.js";
import { tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { OutputStack } from "../pixel/layers.js";
import { pixelOutput, type PixelOutput } from "../pixel/outputs.js";
import { options as pixelcnnOptions, ResidualBlock } from "../pixel/pixelcnn.js";

export interface CodeGrid {
  rows: number;
  cols: number;
  /** codebook size K */
  codes: number;
}

export interface CodePriorConfig {
  features: number;
  blocks: number;
  kernel: number;
  firstKernel: number;
  outputHidden: number;
}

export class CodePrior extends Module {
  readonly first: MaskedConv2d;
  readonly blocks: ResidualBlock[];
  readonly head: OutputStack;
  readonly output: PixelOutput;

  constructor(
    readonly grid: CodeGrid,
    config: CodePriorConfig,
    generator: Generator,
  ) {
    super();
    const K = grid.codes;
    if (K < 2) throw new RangeError(`code prior: the codebook needs at least 2 codes, got ${K}`);
    for (const [name, k] of Object.entries({ kernel: config.kernel, firstKernel: config.firstKernel }))
      if (k % 2 === 0) throw new RangeError(`code prior: "${name}" must be odd, got ${k}`);
    if (config.features % 2 !== 0)
      throw new RangeError(`code prior: "features" must be even (bottleneck blocks), got ${config.features}`);
    // one colour group: the grid has a single "channel", the code
    const o = { colorGroups: 1, generator };
    this.first = this.registerModule("first", new MaskedConv2d("A", K, config.features, config.firstKernel, o));
    const blockConfig = pixelcnnOptions.parse({ features: config.features, kernel: config.kernel });
    this.blocks = Array.from({ length: config.blocks }, (_, i) =>
      this.registerModule(`block${i}`, new ResidualBlock(blockConfig, 1, generator)),
    );
    this.head = this.registerModule("head", new OutputStack(config.features, config.outputHidden, 1, K, generator));
    this.output = pixelOutput("softmax", K, 1);
  }

  get positions(): number {
    return this.grid.rows * this.grid.cols;
  }

  /** codes [n·rows·cols] (raster order per grid) → one-hot [n, K, rows, cols] */
  oneHot(codes: Int32Array): Tensor {
    const { rows, cols, codes: K } = this.grid,
      P = rows * cols,
      n = codes.length / P;
    const out = new Float32Array(n * K * P);
    codes.forEach((k, i) => {
      if (!(k >= 0 && k < K)) throw new RangeError(`code prior: code ${k} at position ${i} is not in [0, ${K})`);
      out[(Math.floor(i / P) * K + k) * P + (i % P)] = 1;
    });
    return tensor(out, [n, K, rows, cols]);
  }

  /** Logits [n, K, rows, cols] of p(z_i | z_<i) at every position, from one-hot codes [n, K, rows, cols]. */
  forward(oneHot: Tensor): Tensor {
    return this.head.forward(this.blocks.reduce((h, b) => b.forward(h), this.first.forward(oneHot)));
  }

  /** log p(z) in nats per grid [n] for codes [n·rows·cols]. */
  logProb(codes: Int32Array): Tensor {
    const { rows, cols, codes: K } = this.grid,
      n = codes.length / this.positions;
    const values = tensor(
      Float32Array.from(codes, (k) => k / (K - 1)),
      [n, 1, rows, cols],
    );
    return this.output.logProb(this.forward(this.oneHot(codes)), values).sum([1, 2, 3]);
  }

  /**
   * Ancestral sampling in raster order: one network pass per position over the whole (small) grid; positions not yet
   * drawn hold code 0, which the masks keep out of every conditional that comes before them.
   */
  sample(n: number, generator: Generator): Int32Array {
    const { codes: K } = this.grid,
      P = this.positions;
    const codes = new Int32Array(n * P);
    noGrad(() => {
      for (let i = 0; i < P; i++) {
        const logits = this.forward(this.oneHot(codes)).toArray();
        const row = new Float32Array(n * K);
        for (let b = 0; b < n; b++) for (let k = 0; k < K; k++) row[b * K + k] = logits[(b * K + k) * P + i]!;
        const v = this.output.sample(row, n, generator);
        for (let b = 0; b < n; b++) codes[b * P + i] = Math.round(v[b]! * (K - 1));
      }
    });
    return codes;
  }
}
