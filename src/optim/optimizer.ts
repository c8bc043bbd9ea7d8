/** The optimizer base: parameters, learning rate, step count and per-parameter state buffers (saved in checkpoints). */
import { releaseLeafGrad } from "../autograd/tape.js";
import type { Storage } from "../backend/backend.js";
import { allocate } from "../tensor/storage.js";
import type { Tensor } from "../tensor/tensor.js";

export interface OptimizerState {
  kind: string;
  lr: number;
  stepCount: number;
  /** buffer name → one array per parameter (e.g. "m", "v" for Adam) */
  buffers: Record<string, Storage[]>;
}

export abstract class Optimizer {
  readonly params: Tensor[];
  lr: number;
  stepCount = 0;
  protected readonly buffers: Record<string, Storage[]> = {};

  constructor(
    params: Tensor[],
    lr: number,
    readonly kind: string,
  ) {
    if (params.length === 0) throw new RangeError(`${kind}: no parameters to optimize`);
    for (const p of params) {
      if (!p.isContiguous() || p.node || !p.requiresGrad)
        throw new TypeError(`${kind}: parameters must be contiguous leaf tensors that require grad`);
    }
    if (!(lr > 0)) throw new RangeError(`${kind}: learning rate must be positive, got ${lr}`);
    this.params = params;
    this.lr = lr;
  }

  /** Zero-initialised state of one array per parameter. */
  protected buffer(name: string): Storage[] {
    return (this.buffers[name] ??= this.params.map((p) => allocate(p.dtype, p.size)));
  }

  /** One update of every parameter that has a gradient. */
  abstract step(): void;

  /**
   * Drops every parameter's gradient. With `release`, gradients a backward allocated go back to the buffer pool for
   * the next backward (see releaseLeafGrad): only for a loop that keeps no gradient past its step, as the Trainer.
   */
  zeroGrad(release = false): void {
    for (const p of this.params)
      if (release) releaseLeafGrad(p);
      else p.zeroGrad();
  }

  stateDict(): OptimizerState {
    return { kind: this.kind, lr: this.lr, stepCount: this.stepCount, buffers: this.buffers };
  }

  /** Restores state saved by stateDict(); sizes must match the parameters. */
  loadStateDict(s: OptimizerState): void {
    if (s.kind !== this.kind)
      throw new TypeError(`loadStateDict: state of a ${s.kind} optimizer cannot load into ${this.kind}`);
    for (const [name, arrays] of Object.entries(s.buffers)) {
      if (arrays.length !== this.params.length || arrays.some((a, i) => a.length !== this.params[i]!.size)) {
        throw new TypeError(
          `loadStateDict: ${this.kind} buffer "${name}" does not match the ${this.params.length} parameters`,
        );
      }
    }
    this.lr = s.lr;
    this.stepCount = s.stepCount;
    for (const [name, arrays] of Object.entries(s.buffers)) {
      const own = this.buffer(name);
      arrays.forEach((a, i) => own[i]!.set(a));
    }
  }
}
