/** The kernels batch normalisation's fused op needs; the reference loops and the native binding both provide them. */
import type { Storage } from "../../backend/backend.js";

export interface BatchNormKernels {
  /** x [N, C, S] → y, and per channel the batch mean and biased variance; w, b null mean 1 and 0 */
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
  ): void;
  /** gradients of Σ gy ⊙ y through the batch statistics; gx, gw, gb may be null (not wanted) */
  backward(
    x: Storage,
    w: Storage | null,
    mean: Storage,
    variance: Storage,
    gy: Storage,
    gx: Storage | null,
    gw: Storage | null,
    gb: Storage | null,
    N: number,
    C: number,
    S: number,
    eps: number,
  ): void;
}
