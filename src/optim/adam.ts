/** Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019) through one fused kernel per parameter. */
import { backendFor, contiguousData } from "../ops/util.js";
import type { Tensor } from "../tensor/tensor.js";
import { Optimizer } from "./optimizer.js";

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** decoupled weight decay (AdamW) */
  decoupled?: boolean;
}

export class Adam extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;

  constructor(params: Tensor[], opts: AdamOptions = {}) {
    super(params, opts.lr ?? 1e-3, opts.decoupled ? "AdamW" : "Adam");
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? (opts.decoupled ? 1e-2 : 0);
    this.decoupled = opts.decoupled ?? false;
    this.buffer("m");
    this.buffer("v");
  }

  step(): void {
    this.stepCount++;
    const [b1, b2] = this.betas;
    const bc1 = 1 - b1 ** this.stepCount,
      bc2 = 1 - b2 ** this.stepCount;
    const m = this.buffer("m"),
      v = this.buffer("v");
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      backendFor(p.dtype).adam(
        p.data,
        contiguousData(p.grad),
        m[i]!,
        v[i]!,
        this.lr,
        b1,
        b2,
        this.eps,
        bc1,
        bc2,
        this.weightDecay,
        this.decoupled,
      );
    });
  }
}

/** AdamW: Adam with decoupled weight decay (default 0.01). */
export class AdamW extends Adam {
  constructor(params: Tensor[], opts: Omit<AdamOptions, "decoupled"> = {}) {
    super(params, { ...opts, decoupled: true });
  }
}
