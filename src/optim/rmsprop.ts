/** RMSprop as in PyTorch (no momentum, no centering). */
import { contiguousData } from "../ops/util.js";
import type { Tensor } from "../tensor/tensor.js";
import { Optimizer } from "./optimizer.js";

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
        w[k]! -= (this.lr * d) / (Math.sqrt(s[k]!) + this.eps);
      }
    });
  }
}
