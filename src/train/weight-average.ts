/**
 * An exponential moving average of the weights (Polyak averaging with forgetting): after training step t (1-based),
 *
 *   β_t = min(β, (1 + t) / (10 + t)),   a ← β_t · a + (1 − β_t) · w,
 *
 * starting from a = w before the first step. The warm-up of β_t keeps the average from dragging the initial weights
 * along for thousands of steps (with β = 0.999 and a fixed β, the start would still weigh 0.6 after 500 steps).
 * Averaging cancels much of the noise that the last steps of stochastic gradient descent leave in the weights, which
 * for shallow likelihood models is worth a few tenths of a nat.
 *
 * The raw weights keep training; `swapIn` puts the average into the model for validation and the best checkpoint,
 * and `swapOut` restores the raw weights. Buffers that depend on the weights (batch norm's running estimates) are not
 * averaged: the model may recompute them for the average while it is swapped in (`Trainable.recalibrate`), and
 * `swapOut` restores the raw weights' own.
 */
import type { Storage } from "../backend/backend.js";
import type { Tensor } from "../tensor/tensor.js";

/** β_t of training step t (1-based): the recipe's decay, lowered during the first steps. */
export function averageDecay(decay: number, step: number): number {
  return Math.min(decay, (1 + step) / (10 + step));
}

export class WeightAverage {
  /** the average, one array per parameter, in `names` order */
  readonly average: Storage[];
  #raw: Storage[] | null = null;
  #rawBuffers: Storage[] | null = null;

  constructor(
    readonly names: readonly string[],
    readonly params: readonly Tensor[],
    readonly decay: number,
    /** buffers kept aside while the average is swapped in, and restored with the raw weights */
    readonly buffers: readonly Tensor[] = [],
  ) {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`weight average: decay must be in [0, 1), got ${decay}`);
    this.average = params.map((p) => p.data.slice());
  }

  /** Folds the current weights into the average after training step `step` (1-based). */
  update(step: number): void {
    if (this.#raw) throw new Error("weight average: update while the average is swapped in");
    const b = averageDecay(this.decay, step),
      c = 1 - b;
    this.params.forEach((p, i) => {
      const a = this.average[i]!,
        w = p.data;
      for (let k = 0; k < a.length; k++) a[k] = b * a[k]! + c * w[k]!;
    });
  }

  /** Puts the average into the model (the raw weights and the buffers are kept aside until `swapOut`). */
  swapIn(): void {
    if (this.#raw) return;
    this.#raw = this.params.map((p) => p.data.slice());
    this.#rawBuffers = this.buffers.map((b) => b.data.slice());
    this.params.forEach((p, i) => p.data.set(this.average[i]!));
  }

  /** Restores the raw weights and the buffers. */
  swapOut(): void {
    if (!this.#raw) return;
    const raw = this.#raw,
      rawBuffers = this.#rawBuffers!;
    this.params.forEach((p, i) => p.data.set(raw[i]!));
    this.buffers.forEach((b, i) => b.data.set(rawBuffers[i]!));
    this.#raw = null;
    this.#rawBuffers = null;
  }

  /** Runs `f` with the average in the model, then restores the raw weights. */
  withAverage<T>(f: () => T): T {
    this.swapIn();
    try {
      return f();
    } finally {
      this.swapOut();
    }
  }

  /** The average as checkpoint tensors, `ema.<parameter name>`. */
  tensors(): Map<string, { shape: number[]; data: Storage }> {
    return new Map(
      this.names.map((n, i) => [`ema.${n}`, { shape: [...this.params[i]!.shape], data: this.average[i]! }]),
    );
  }

  /**
   * Restores the average from checkpoint tensors; returns false (keeping the average at the current weights) when
   * the checkpoint holds none, e.g. a run started without averaging.
   */
  load(tensors: ReadonlyMap<string, { data: ArrayLike<number> }>): boolean {
    const found = this.names.map((n) => tensors.get(`ema.${n}`));
    if (found.every((t) => t === undefined)) {
      this.params.forEach((p, i) => this.average[i]!.set(p.data));
      return false;
    }
    found.forEach((t, i) => {
      if (!t || t.data.length !== this.average[i]!.length)
        throw new RangeError(`weight average: the checkpoint's "ema.${this.names[i]}" does not match the model`);
      this.average[i]!.set(t.data);
    });
    return true;
  }
}
