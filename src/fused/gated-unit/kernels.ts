/** The kernels the gated unit's fused op needs; the reference loops and the native binding both provide them. */
import type { Storage } from "../../backend/backend.js";

export interface GatedUnitKernels {
  /**
   * z = x (+ y) viewed as [R, 2, M] (each row's a then b half) → out [R, M] = tanh(a) ⊙ σ(b); y null: z = x
   */
  forward(x: Storage, y: Storage | null, out: Storage, R: number, M: number): void;
  /** the gradient of Σ g ⊙ out with respect to z, [R, 2, M], from z recomputed out of x (+ y) */
  backward(x: Storage, y: Storage | null, g: Storage, gz: Storage, R: number, M: number): void;
}
