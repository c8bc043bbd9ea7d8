/**
 * The truncation trick (Brock et al. 2019, https://arxiv.org/abs/1809.11096 §3.1): a generator's input drawn from
 * N(0, I) with every coordinate whose magnitude exceeds ψ redrawn until it does not — each z_i from the standard
 * normal conditioned on |z_i| ≤ ψ. Smaller ψ trades variety for typical, cleaner samples; the images are no longer
 * samples of the trained model's distribution, so anything measured on them says it is truncated.
 */
import { tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";

/** ψ must be a positive finite number (a bound on |z_i|). */
export function checkTruncation(psi: number): number {
  if (!(Number.isFinite(psi) && psi > 0)) throw new RangeError(`truncation ψ must be a positive number, not ${psi}`);
  return psi;
}

/** [n, d] draws of N(0, 1) given |z| ≤ ψ: rejection, one redraw per pass for every coordinate still outside. */
export function truncatedNormal(n: number, d: number, psi: number, g: Generator): Tensor {
  checkTruncation(psi);
  const z = Float32Array.from(g.normal01(n * d));
  let outside = z.reduce<number[]>((acc, v, i) => (Math.abs(v) > psi ? (acc.push(i), acc) : acc), []);
  while (outside.length > 0) {
    const redraw = g.normal01(outside.length);
    outside.forEach((i, k) => (z[i] = redraw[k]!));
    outside = outside.filter((i) => Math.abs(z[i]!) > psi);
  }
  return tensor(z, [n, d]);
}
