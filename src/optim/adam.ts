/** Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019) through one fused kernel per parameter. */
import type { Storage } from "../backend/backend.js";
import { backendFor, contiguousData } from "../ops/util.js";
import { allocate } from "../tensor/storage.js";
import type { Tensor } from "../tensor/tensor.js";

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** decoupled weight decay (AdamW) */
  decoupled?: boolean;
}

export class Adam {
  readonly params: Tensor[];
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  stepCount = 0;
  #m: Storage[];
  #v: Storage[];

  constructor(params: Tensor[], opts: AdamOptions = {}) {
    for (const p of params) {
      if (!p.isContiguous() || p.node) throw new TypeError("Adam: parameters must be contiguous leaf tensors");
    }
    this.params = params;
    this.lr = opts.lr ?? 1e-3;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupled = opts.decoupled ?? false;
    this.#m = params.map((p) => allocate(p.dtype, p.size));
    this.#v = params.map((p) => allocate(p.dtype, p.size));
  }

  /** One update of every parameter that has a gradient (in place on its storage). */
  step(): void {
    this.stepCount++;
    const [b1, b2] = this.betas;
    const bc1 = 1 - b1 ** this.stepCount, bc2 = 1 - b2 ** this.stepCount;
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      backendFor(p.dtype).adam(p.data, contiguousData(p.grad), this.#m[i]!, this.#v[i]!, this.lr, b1, b2, this.eps, bc1, bc2, this.weightDecay, this.decoupled);
    });
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }
}
