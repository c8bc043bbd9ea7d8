/** The kernels of the fused linear layer with activation; the reference loops and the native binding provide them. */
import type { Storage } from "../../backend/backend.js";

export interface LinearActKernels {
  /** x [m,k], W [n,k], bias [n] or null → out [m,n] = act(x Wᵀ + bias); act a UnaryOp code, or -1 for none */
  forward(
    x: Storage,
    W: Storage,
    bias: Storage | null,
    out: Storage,
    m: number,
    k: number,
    n: number,
    act: number,
  ): void;
  /** from the saved output y and its gradient g [m,n]: gx [m,k], gW [n,k], gb [n] (each null when not wanted) */
  backward(
    x: Storage,
    W: Storage,
    y: Storage,
    g: Storage,
    gx: Storage | null,
    gW: Storage | null,
    gb: Storage | null,
    m: number,
    k: number,
    n: number,
    act: number,
  ): void;
}
