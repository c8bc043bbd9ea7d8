/** Gradient clipping. */
import { noGrad } from "../autograd/tape.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * Scales gradients so their global L2 norm is at most maxNorm (PyTorch's clip_grad_norm_). Gradients are replaced,
 * not written in place (they may be shared). Returns the norm before clipping.
 */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  return noGrad(() => {
    let total = 0;
    for (const p of params) if (p.grad) for (const v of p.grad.toArray()) total += v * v;
    const norm = Math.sqrt(total);
    const scale = maxNorm / (norm + 1e-6);
    if (scale < 1) for (const p of params) if (p.grad) p.grad = p.grad.mul(scale);
    return norm;
  });
}
