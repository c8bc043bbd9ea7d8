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
    for (const p of params) if (p.grad) total += sumOfSquares(p.grad);
    const norm = Math.sqrt(total);
    const scale = maxNorm / (norm + 1e-6);
    if (scale < 1) for (const p of params) if (p.grad) p.grad = p.grad.mul(scale);
    return norm;
  });
}

/**
 * Σ v² in float64. A storage that holds exactly the tensor's values (in any layout) is read in place, in storage
 * order, with no copy into a JavaScript array (for a permuted view that changes only the sum's last bits); a view of
 * part of a storage is gathered first.
 */
function sumOfSquares(t: Tensor): number {
  const d = t.data.length === t.size ? t.data : t.toArray();
  let total = 0;
  for (let i = 0; i < d.length; i++) total += d[i]! * d[i]!;
  return total;
}
