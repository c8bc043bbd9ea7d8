/** The kernels the masked linear op needs; the reference loops and the native binding both provide them. */
import type { Storage } from "../../backend/backend.js";

export interface MaskedLinearKernels {
  /** x [m,k], W and M [n,k], bias [n] or null → out [m,n] = x (W ⊙ M)ᵀ + bias */
  forward(
    x: Storage,
    W: Storage,
    M: Storage,
    bias: Storage | null,
    out: Storage,
    m: number,
    k: number,
    n: number,
  ): void;
  /** g [m,n] → gx [m,k] = g (W ⊙ M) (overwritten) */
  gradInput(g: Storage, W: Storage, M: Storage, gx: Storage, m: number, k: number, n: number): void;
  /** g [m,n], x [m,k] → gW [n,k] = (gᵀ x) ⊙ M (overwritten) */
  gradWeight(g: Storage, x: Storage, M: Storage, gW: Storage, m: number, k: number, n: number): void;
}
