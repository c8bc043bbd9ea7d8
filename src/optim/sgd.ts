/** SGD with momentum / Nesterov, as in PyTorch (no dampening; the first momentum buffer is g). */
import { contiguousData } from "../ops/util.js";
import type { Tensor } from "../tensor/tensor.js";
import { Optimizer } from "./optimizer.js";

export interface SGDOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: Tensor[], opts: SGDOptions) {
    super(params, opts.lr, "SGD");
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    if (this.nesterov && this.momentum <= 0) throw new RangeError("SGD: Nesterov momentum needs momentum > 0");
  }

  step(): void {
    this.stepCount++;
    const bufs = this.momentum > 0 ? this.buffer("momentum") : null;
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      const g = contiguousData(p.grad),
        w = p.data,
        mu = this.momentum,
        wd = this.weightDecay,
        lr = this.lr;
      const b = bufs?.[i];
      for (let k = 0; k < w.length; k++) {
        let d = g[k]! + wd * w[k]!;
        if (b) {
          b[k] = this.stepCount === 1 ? d : mu * b[k]! + d; // buffer starts at the first gradient
          d = this.nesterov ? d + mu * b[k]! : b[k]!;
        }
        w[k]! -= lr * d;
      }
    });
  }
}
