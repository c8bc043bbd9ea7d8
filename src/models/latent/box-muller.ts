/**
 * Standard normals for importance sampling: a Box–Muller transform of the Philox4x32-10 stream of a `Generator`,
 * laid out so that any range can be drawn on its own (by any thread, in any order) and a vectorized native kernel
 * (native/fused/iwae/kernels.cc) draws the same numbers up to float32 rounding. This loop is its reference.
 *
 * Layout: groups of 16 blocks give 64 normals; normal 64g + 16q + j comes from block counter + 16g + j, from its
 * words (0, 1) for q = 0, 1 and (2, 3) for q = 2, 3. A pair of words (u, v) gives r = √(−2 ln p) with
 * p = (⌊u/2⌋ + ½)·2⁻³¹ ∈ (0, 1] and the angle θ = π/4 + t,
 * t = ((⌊v/256⌋ + ½)·2⁻²⁴ − ½)·π/2;
 * the normals are ±r cos θ and ±r sin θ with their signs from bit 0 of u and of v (reflections of a uniform angle
 * stay uniform, so θ covers the whole circle). The radius reaches 6.66: the pair's radius exceeds that with
 * probability e^(−6.66²/2) ≈ 2e-10, and such draws are not made.
 */
import { philox } from "../../tensor/rng.js";

/** Normals per group of the stream's layout. */
export const GROUP_NORMALS = 64;
const GROUP_BLOCKS = 16;

/** Philox blocks that `n` normals of the stream occupy (whole groups). */
export function normalBlocks(n: number): number {
  return Math.ceil(n / GROUP_NORMALS) * GROUP_BLOCKS;
}

/** Normals [offset, offset + n) of the stream under key (k0, k1) starting at block `counter`, in float64. */
export function boxMullerNormals(k0: number, k1: number, counter: number, offset: number, n: number): Float64Array {
  const out = new Float64Array(n),
    words = new Uint32Array(4 * GROUP_BLOCKS),
    group = new Float64Array(GROUP_NORMALS),
    b = new Uint32Array(4);
  const f32 = Math.fround;
  let cached = -1;
  for (let i = 0; i < n; i++) {
    const idx = offset + i,
      g = Math.floor(idx / GROUP_NORMALS);
    if (g !== cached) {
      for (let j = 0; j < GROUP_BLOCKS; j++) {
        const c = counter + g * GROUP_BLOCKS + j;
        philox(c >>> 0, Math.floor(c / 4294967296) >>> 0, 0, 0, k0, k1, b);
        words.set(b, 4 * j);
      }
      for (let j = 0; j < GROUP_BLOCKS; j++)
        for (let pair = 0; pair < 2; pair++) {
          const u = words[4 * j + 2 * pair]!,
            v = words[4 * j + 2 * pair + 1]!;
          // p is formed exactly as the float32 kernel forms it, so both take the logarithm of the same number
          const p = f32(f32(f32(u >>> 1) + 0.5) * 4.656612873077393e-10);
          const r = Math.sqrt(-2 * Math.log(p)),
            theta = Math.PI / 4 + (((v >>> 8) + 0.5) * 5.9604644775390625e-8 - 0.5) * (Math.PI / 2);
          group[2 * pair * GROUP_BLOCKS + j] = (u & 1 ? -1 : 1) * r * Math.cos(theta);
          group[(2 * pair + 1) * GROUP_BLOCKS + j] = (v & 1 ? -1 : 1) * r * Math.sin(theta);
        }
      cached = g;
    }
    out[i] = group[idx - g * GROUP_NORMALS]!;
  }
  return out;
}
