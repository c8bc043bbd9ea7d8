/**
 * The importance-sampled estimate of log p(x) (IWAE-k [1]) for a batch, without a tape:
 * log p(x) ≈ log (1/k) Σ_j p(x|z_j) p(z_j) / q(z_j|x), z_j ~ q(z|x) = N(μ(x), diag σ²(x)), p(z) = N(0, I),
 * Bernoulli p(x|z) from an MLP decoder's logits. All B·k samples are cut into blocks of `rows` (several images'
 * samples when k is small, part of one image's when k is large). On the native backend one fused kernel does
 * everything, each thread taking whole blocks (normals, z and log p(z) − log q(z|x), the decoder's GEMMs, Σ BCE
 * while the logits are in cache); elsewhere the same numbers come from the loops below and tensor ops. Sample s
 * of image b uses the normals (b·k + s)·L … of one Box–Muller stream (box-muller.ts), so the estimate does not
 * depend on `rows` or on the thread count. The weights' log-mean-exp is taken per image in float64.
 * [1]: Burda, Grosse, Salakhutdinov (2016), https://arxiv.org/abs/1509.00519
 */
import { noGrad } from "../../autograd/tape.js";
import type { MLP } from "../../nn/mlp.js";
import { backendFor } from "../../ops/util.js";
import type { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import { boxMullerNormals, normalBlocks } from "./box-muller.js";
import { nativeIwae } from "./iwae-native.js";

export interface ImportanceOptions {
  /** decoder rows per block (one thread's GEMMs on the native backend) */
  rows?: number;
}

/**
 * Default rows per block: a [256, 784] float32 block of logits (0.8 MB) and the hidden layers stay in a core's L2
 * while their BCE is summed; measured against 128, 512 and 1024 rows in PERFORMANCE.md.
 */
export const IWAE_ROWS = 256;

/** What the estimator needs from q(z|x) and the batch. */
interface Batch {
  x: Float32Array | Float64Array;
  mu: Float32Array | Float64Array;
  logsd: Float32Array | Float64Array;
  B: number;
  D: number;
  L: number;
}

/**
 * log p(x) per image by k importance samples. `loc`, `logScale`: q(z|x) as [B, L]; `decoder`: z [R, L] → Bernoulli
 * logits [R, D]. Advances `generator` by the blocks of B·k·L normals.
 */
export function iwaeLogLikelihood(
  x: Tensor,
  loc: Tensor,
  logScale: Tensor,
  k: number,
  decoder: MLP,
  generator: Generator,
  opts: ImportanceOptions = {},
): Float64Array {
  const [B, D] = [x.shape[0]!, x.shape[1]!],
    L = loc.shape[1]!;
  const rows = Math.max(1, Math.floor(opts.rows ?? IWAE_ROWS));
  const batch: Batch = {
    x: x.contiguous().data,
    mu: loc.contiguous().data,
    logsd: logScale.contiguous().data,
    B,
    D,
    L,
  };
  const { key, counter } = generator.claim(normalBlocks(B * k * L));
  const w = decoder.layers.map((l) => l.weight);
  const native = [x, loc, logScale, ...w].every((t) => t.dtype === "float32" && backendFor(t.dtype).name === "native");
  if (native) return nativeEstimate(batch, k, decoder, key, counter, rows);
  return noGrad(() => referenceEstimate(batch, k, decoder, key, counter, rows));
}

function nativeEstimate(
  b: Batch,
  k: number,
  decoder: MLP,
  key: [number, number],
  counter: number,
  rows: number,
): Float64Array {
  const layers = decoder.layers,
    out = new Float64Array(b.B);
  const sizes = Float64Array.from([layers[0]!.weight.shape[1]!, ...layers.map((l) => l.weight.shape[0]!)]);
  const weights = layers.map((l) => l.weight.contiguous().data as Float32Array),
    biases = layers.map((l) => (l.bias ? (l.bias.contiguous().data as Float32Array) : null));
  const act = decoder.activation === "tanh" ? 0 : 1;
  nativeIwae().iwaeEstimate(
    b.x as Float32Array,
    b.mu as Float32Array,
    b.logsd as Float32Array,
    b.B,
    b.D,
    b.L,
    k,
    sizes,
    weights,
    biases,
    act,
    key[0],
    key[1],
    counter,
    rows,
    out,
  );
  return out;
}

/** The same estimate with loops and tensor ops: the reference for the kernel, and the path off the native backend. */
function referenceEstimate(
  b: Batch,
  k: number,
  decoder: MLP,
  key: [number, number],
  counter: number,
  rows: number,
): Float64Array {
  const { B, D, L } = b,
    total = B * k,
    lw = new Float64Array(total);
  const f32 = decoder.last.weight.dtype === "float32";
  for (let g0 = 0; g0 < total; g0 += rows) {
    const n = Math.min(rows, total - g0);
    const eps = boxMullerNormals(key[0], key[1], counter, g0 * L, n * L);
    const z = f32 ? new Float32Array(n * L) : new Float64Array(n * L);
    for (let r = 0; r < n; r++) lw[g0 + r] = latentSample(b, Math.floor((g0 + r) / k), eps, r, z, f32);
    const logits = decoder.forward(new Tensor(z, [n, L])).contiguous().data;
    for (let r = 0; r < n; r++) {
      const xo = Math.floor((g0 + r) / k) * D;
      let nll = 0;
      for (let i = 0; i < D; i++) {
        const l = logits[r * D + i]!;
        nll += Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l))) - b.x[xo + i]! * l;
      }
      lw[g0 + r]! -= nll;
    }
  }
  const out = new Float64Array(B);
  for (let i = 0; i < B; i++) out[i] = logMeanExp(lw.subarray(i * k, (i + 1) * k));
  return out;
}

/**
 * Row r of z = μ_b + σ_b·ε (ε rounded to the decoder's precision, as the kernel draws it); returns
 * log p(z) − log q(z|x) = Σ_l (½ε_l² − ½z_l² + log σ_l) (the ½ log 2π terms cancel).
 */
function latentSample(
  b: Batch,
  image: number,
  eps: Float64Array,
  r: number,
  z: Float32Array | Float64Array,
  f32: boolean,
): number {
  const L = b.L;
  let acc = 0,
    sumLs = 0;
  for (let j = 0; j < L; j++) {
    const ls = b.logsd[image * L + j]!,
      e = f32 ? Math.fround(eps[r * L + j]!) : eps[r * L + j]!;
    const v = b.mu[image * L + j]! + Math.exp(ls) * e;
    z[r * L + j] = v;
    const zv = z[r * L + j]!;
    acc += e * e - zv * zv;
    sumLs += ls;
  }
  return sumLs + 0.5 * acc;
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
