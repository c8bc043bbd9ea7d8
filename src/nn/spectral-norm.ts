/**
 * Spectral normalisation (Miyato et al. 2018, https://arxiv.org/abs/1802.05957): a layer's weight W, read as
 * the matrix W₂ of [out, in·kh·kw], is divided by an estimate of its largest singular value σ(W₂), so that the
 * layer is about 1-Lipschitz and a critic built from such layers cannot grow its slopes without bound. σ comes from
 * one step of power iteration per forward pass from a left vector u kept between passes (a buffer, saved with the
 * weights):
 *
 *   v = W₂ᵀu / ‖W₂ᵀu‖,   u' = W₂v / ‖W₂v‖,   σ = u'ᵀ W₂ v,
 *
 * with u and v held constant for the gradient (so ∂σ/∂W₂ = u'vᵀ, as in the paper's §2.2 and its reference
 * code). u' replaces u in training mode only; evaluation reads the stored u and changes nothing. u starts at
 * 1/√out, not at a random draw, so that the option leaves every other layer's initial weights as they were at the
 * same seed.
 */
import { noGrad } from "../autograd/tape.js";
import { tensor } from "../tensor/create.js";
import type { Tensor } from "../tensor/tensor.js";
import { Conv2d, type ConvOptions } from "./conv.js";

/** One power-iteration step on W₂ ([rows, cols], row-major) from u (length rows): returns u' and v, unit vectors. */
export function powerStep(
  w: ArrayLike<number>,
  rows: number,
  cols: number,
  u: ArrayLike<number>,
): { u: Float64Array; v: Float64Array } {
  const v = new Float64Array(cols),
    uNext = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const ui = u[i]!,
      row = i * cols;
    for (let j = 0; j < cols; j++) v[j]! += w[row + j]! * ui;
  }
  normalise(v);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const row = i * cols;
    for (let j = 0; j < cols; j++) s += w[row + j]! * v[j]!;
    uNext[i] = s;
  }
  normalise(uNext);
  return { u: uNext, v };
}

function normalise(x: Float64Array): void {
  let s = 0;
  for (const e of x) s += e * e;
  const r = 1 / Math.max(Math.sqrt(s), 1e-12);
  for (let i = 0; i < x.length; i++) x[i]! *= r;
}

/** A Conv2d whose weight is W / σ(W) (the bias is left alone, as in the paper). */
export class SpectralConv2d extends Conv2d {
  /** the left singular vector estimate, [out] */
  readonly u: Tensor;

  constructor(inChannels: number, outChannels: number, kernel: number | [number, number], opts: ConvOptions = {}) {
    super(inChannels, outChannels, kernel, opts);
    this.u = this.registerBuffer("u", tensor(new Float32Array(outChannels).fill(1 / Math.sqrt(outChannels))));
  }

  /** σ(W₂) as the forward pass uses it, from the stored u (changes nothing). */
  sigma(): number {
    return noGrad(() => this.weight.mul(this.#step().uv).sum()).item();
  }

  protected override effectiveWeight(): Tensor {
    const { uv, u } = this.#step();
    if (this.training) this.u.data.set(u);
    // σ = Σ W ⊙ u'vᵀ: differentiable in W, u' and v constants
    return this.weight.div(this.weight.mul(uv).sum());
  }

  /** One power-iteration step from the stored u: u' and the constant u'vᵀ shaped like the weight. */
  #step(): { uv: Tensor; u: Float64Array } {
    const rows = this.outChannels,
      cols = this.weight.size / rows;
    const { u, v } = powerStep(this.weight.contiguous().data, rows, cols, this.u.data);
    const outer = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) outer[i * cols + j] = u[i]! * v[j]!;
    return { uv: tensor(outer, this.weight.shape), u };
  }
}
