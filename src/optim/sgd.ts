/** SGD with momentum / Nesterov, and RMSprop, as in PyTorch (no dampening; the first momentum buffer is g). */
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
        w[k] -= lr * d;
      }
    });
  }
}

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
}

/** RMSprop (Tieleman & Hinton 2012): v ← αv + (1−α)g²;  p ← p − lr·g/(√v + ε). */
export class RMSprop extends Optimizer {
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(params: Tensor[], opts: RMSpropOptions = {}) {
    super(params, opts.lr ?? 1e-2, "RMSprop");
    this.alpha = opts.alpha ?? 0.99;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  step(): void {
    this.stepCount++;
    const v = this.buffer("square");
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      const g = contiguousData(p.grad),
        w = p.data,
        s = v[i]!,
        a = this.alpha;
      for (let k = 0; k < w.length; k++) {
        const d = g[k]! + this.weightDecay * w[k]!;
        s[k] = a * s[k]! + (1 - a) * d * d;
        w[k] -= (this.lr * d) / (Math.sqrt(s[k]!) + this.eps);
      }
    });
  }
}
