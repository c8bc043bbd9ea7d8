/**
 * The importance-sampled estimate of log p(x) (IWAE-k [1]) for a batch, without a tape and as a few large GEMMs:
 * log p(x) ≈ log (1/k) Σ_j p(x|z_j) p(z_j) / q(z_j|x), z_j ~ q(z|x) = N(μ(x), diag σ²(x)), p(z) = N(0, I),
 * Bernoulli p(x|z) from the decoder's logits. The decoder runs on as many samples at once as `rows` allows — several
 * images' samples when k is small, part of one image's when k is large — so each GEMM has thousands of rows; the
 * weights' log-sum-exp is taken per image in float64.
 * [1]: Burda, Grosse, Salakhutdinov (2016), https://arxiv.org/abs/1509.00519
 */
import { noGrad } from "../../autograd/tape.js";
import { bceWithLogits } from "../../ops/loss.js";
import { tensor } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";

export interface ImportanceOptions {
  /** decoder rows per GEMM (samples of one or several images) */
  rows?: number;
}

/** Default rows per decoder pass: a [4096, 784] float32 block of logits is 13 MB, large GEMMs, bounded memory. */
export const IWAE_ROWS = 4096;

/**
 * log p(x) per image by k importance samples. `loc`, `logScale`: q(z|x) as [B, L]; `decode`: z [R, L] → Bernoulli
 * logits [R, D]. The noise of image b is drawn as one block of k·L standard normals, image after image, so the result
 * does not depend on `rows` (the same numbers as drawing `randn([k, L])` per image).
 */
export function iwaeLogLikelihood(
  x: Tensor,
  loc: Tensor,
  logScale: Tensor,
  k: number,
  decode: (z: Tensor) => Tensor,
  generator: Generator,
  opts: ImportanceOptions = {},
): Float64Array {
  const [B, D] = [x.shape[0]!, x.shape[1]!],
    L = loc.shape[1]!;
  const rows = Math.max(1, opts.rows ?? IWAE_ROWS);
  const mu = Float32Array.from(loc.toArray()),
    ls = Float32Array.from(logScale.toArray()),
    xs = Float32Array.from(x.toArray());
  const out = new Float64Array(B);
  noGrad(() => {
    if (k >= rows) {
      // each image's k samples in equal chunks of at most `rows` (no small remainder GEMM)
      const chunk = Math.ceil(k / Math.ceil(k / rows));
      for (let b = 0; b < B; b++) {
        const eps = generator.normal01(k * L),
          lw = new Float64Array(k);
        const xb = tensor(xs.subarray(b * D, (b + 1) * D), [1, D]);
        for (let s = 0; s < k; s += chunk) {
          const n = Math.min(chunk, k - s);
          const z = new Float32Array(n * L);
          latentSamples(mu, ls, b, eps.subarray(s * L, (s + n) * L), z, lw.subarray(s, s + n));
          addDecoderLogLikelihood(decode(new Tensor(z, [n, L])), xb, lw.subarray(s, s + n));
        }
        out[b] = logMeanExp(lw);
      }
      return;
    }
    // several images per chunk: their k samples each, the image broadcast over its samples
    const per = Math.floor(rows / k);
    for (let b0 = 0; b0 < B; b0 += per) {
      const m = Math.min(per, B - b0),
        lw = new Float64Array(m * k),
        z = new Float32Array(m * k * L);
      for (let i = 0; i < m; i++) {
        const zi = z.subarray(i * k * L, (i + 1) * k * L);
        latentSamples(mu, ls, b0 + i, generator.normal01(k * L), zi, lw.subarray(i * k, (i + 1) * k));
      }
      const logits = decode(new Tensor(z, [m * k, L])).reshape(m, k, D);
      addDecoderLogLikelihood(logits, tensor(xs.subarray(b0 * D, (b0 + m) * D), [m, 1, D]), lw);
      for (let i = 0; i < m; i++) out[b0 + i] = logMeanExp(lw.subarray(i * k, (i + 1) * k));
    }
  });
  return out;
}

/**
 * z = μ_b + σ_b·ε for the rows of ε [n, L], written into `z`; writes log p(z) − log q(z|x) into `lw`:
 * Σ_l (−½ z_l² + ½ ε_l² + log σ_l) (the ½ log 2π terms cancel).
 */
function latentSamples(
  mu: Float32Array,
  ls: Float32Array,
  b: number,
  eps: Float64Array,
  z: Float32Array,
  lw: Float64Array,
): void {
  const n = lw.length,
    L = eps.length / n;
  const m = mu.subarray(b * L, (b + 1) * L),
    l = ls.subarray(b * L, (b + 1) * L),
    sd = l.map(Math.exp);
  let sumLs = 0;
  for (let j = 0; j < L; j++) sumLs += l[j]!;
  for (let r = 0; r < n; r++) {
    let acc = sumLs;
    for (let j = 0, o = r * L; j < L; j++) {
      const e = eps[o + j]!,
        v = Math.fround(m[j]! + sd[j]! * e);
      z[o + j] = v;
      acc += 0.5 * (e * e - v * v);
    }
    lw[r] = acc;
  }
}

/** lw[r] += log p(x|z_r) = −Σ_i BCE(logit_ri, x_i); x broadcasts over the logits' sample axis. */
function addDecoderLogLikelihood(logits: Tensor, x: Tensor, lw: Float64Array): void {
  const nll = bceWithLogits(logits, x, { reduction: "none" }).sum(-1).contiguous().data;
  for (let r = 0; r < lw.length; r++) lw[r]! -= nll[r]!;
}

/** log (1/k) Σ_j exp(v_j), stable. */
function logMeanExp(v: Float64Array): number {
  let m = -Infinity;
  for (const a of v) if (a > m) m = a;
  if (m === -Infinity) return m;
  let s = 0;
  for (const a of v) s += Math.exp(a - m);
  return m + Math.log(s / v.length);
}
