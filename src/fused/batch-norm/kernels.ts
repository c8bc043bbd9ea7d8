/** The kernels batch normalisation's fused op needs; the reference loops and the native binding both provide them. */
import type { Storage } from "../../backend/backend.js";

/** The activation on the output (the same codes in native/fused/batch-norm/batch-norm.h). */
export const BN_NONE = 0,
  BN_RELU = 1,
  BN_LEAKY = 2;

export interface BatchNormKernels {
  /**
   * x [N, C, S] → y = act(normalised x·w + b), and per channel the batch mean and biased variance; w, b null mean 1
   * and 0; act a BN_* code (slope: the leaky ReLU's)
   */
  forward(
    x: Storage,
    w: Storage | null,
    b: Storage | null,
    y: Storage,
    mean: Storage,
    variance: Storage,
    N: number,
    C: number,
    S: number,
    eps: number,
    act: number,
    slope: number,
  ): void;
  /**
   * gradients of Σ gy ⊙ y through the activation (gy masked by the sign of the output y, read unless act is BN_NONE)
   * and the batch statistics; gx, gw, gb may be null (not wanted)
   */
  backward(
    x: Storage,
    w: Storage | null,
    mean: Storage,
    variance: Storage,
    y: Storage | null,
    gy: Storage,
    gx: Storage | null,
    gw: Storage | null,
    gb: Storage | null,
    N: number,
    C: number,
    S: number,
    eps: number,
    act: number,
    slope: number,
  ): void;
}
