/** The kernels NADE's fused op needs; the reference loops and the native binding both provide them. */
import type { Storage } from "../../backend/backend.js";

export interface NadeKernels {
  /** x [B,D], W and V [D,H], c [H], b [D] → logits [B,D] */
  forward(
    x: Storage,
    W: Storage,
    c: Storage,
    V: Storage,
    b: Storage,
    logits: Storage,
    B: number,
    D: number,
    H: number,
  ): void;
  /** gradients of Σ gl ⊙ logits; gx may be null (no input gradient); every other output is overwritten */
  backward(
    x: Storage,
    W: Storage,
    c: Storage,
    V: Storage,
    gl: Storage,
    gx: Storage | null,
    gW: Storage,
    gc: Storage,
    gV: Storage,
    gb: Storage,
    B: number,
    D: number,
    H: number,
  ): void;
  /** ancestral sampling into x [n,D] with uniforms u [n,D]; observed[i] = 1 keeps x[:, i] */
  sample(
    W: Storage,
    c: Storage,
    V: Storage,
    b: Storage,
    u: Storage,
    observed: Uint8Array | null,
    x: Storage,
    n: number,
    D: number,
    H: number,
  ): void;
}
