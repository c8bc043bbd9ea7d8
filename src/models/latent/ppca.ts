/**
 * Probabilistic PCA [1]: z ~ N(0, I_q), x = W z + μ + ε, ε ~ N(0, σ² I), so p(x) = N(μ, W Wᵀ + σ² I) in
 * closed form. Fitted by maximum likelihood in closed form (W = U_q (Λ_q − σ² I)^½, σ² = mean of the discarded
 * eigenvalues) or by EM. On 8-bit images the density is of dequantized data: x = (pixel + u)/256, u ~ U(0, 1), and the
 * likelihood of the pixels is reported with the change of variables, log P(pixels) ≈ log p(x) − D log 256 (a bound,
 * in expectation).
 * [1]: Tipping & Bishop (1999), https://doi.org/10.1111/1467-9868.00196
 */
import { nativeAddon } from "../../backend/registry.js";
import type { Split } from "../../data/datasets.js";
import { noGrad } from "../../autograd/tape.js";
import { randn, tensor, zeros } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { GenerativeModel, type Capability, type ClosedForm, type DataShape, type LikelihoodResult } from "../base.js";
import type { LatentModel, Sampler, Scorer } from "../base.js";
import { field, type OptionsOf } from "../options.js";
import * as z from "zod";
import { registerModel } from "../registry.js";
import { cholSolve, cholesky, logDetFromCholesky, topEigen } from "./linalg.js";

export const options = z.object({
  latent: field.positiveInt(50, "latent dimensions q"),
  fit: field.oneOf(["closed-form", "em"], "closed-form", "maximum likelihood in closed form, or by EM"),
  emIterations: field.positiveInt(100, "EM iterations (fit: em)"),
});
export type PPCAConfig = OptionsOf<typeof options>;

/** x = (round(255 v) + u)/256 for values v in [0, 1] stored as pixel/255. */
export function dequantize(values: Float32Array, g: Generator): Float64Array {
  const u = g.uniform01(values.length),
    out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (Math.round(values[i]! * 255) + u[i]!) / 256;
  return out;
}

/**
 * C = AᵀB for row-major A [n, a], B [n, b] (float64 in, float64 out; through the native GEMM in float32 when
 * present).
 */
function crossProduct(A: Float64Array, B: Float64Array, n: number, a: number, b: number): Float64Array {
  const addon = nativeAddon();
  if (addon) {
    const C = new Float32Array(a * b);
    addon.gemm(a, b, n, Float32Array.from(A), a, true, Float32Array.from(B), b, false, C, b, 0);
    return Float64Array.from(C);
  }
  const C = new Float64Array(a * b);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < a; i++) {
      const v = A[r * a + i]!;
      if (v !== 0) for (let j = 0; j < b; j++) C[i * b + j]! += v * B[r * b + j]!;
    }
  return C;
}

/** S Q for symmetric S [D, D] and Q [D, q]. */
const symTimes = (S: Float64Array, Q: Float64Array, D: number, q: number): Float64Array => crossProduct(S, Q, D, D, q);

export class PPCA extends GenerativeModel implements Scorer, Sampler, LatentModel, ClosedForm {
  readonly modelName = "ppca";
  readonly capabilities: readonly Capability[] = ["exact-density", "sampler", "latent", "closed-form"];
  readonly dim: number;
  readonly mean: Tensor;
  readonly W: Tensor;
  readonly logSigma2: Tensor;

  constructor(
    readonly config: PPCAConfig,
    data: DataShape,
  ) {
    super();
    this.dim = data.dim;
    this.mean = this.registerBuffer("mean", zeros([data.dim], { dtype: "float64" }));
    this.W = this.registerBuffer("W", zeros([data.dim, config.latent], { dtype: "float64" }));
    this.logSigma2 = this.registerBuffer("logSigma2", zeros([1], { dtype: "float64" }));
  }

  /** Sample covariance S (D×D) and mean of rows of X [n, D]. */
  static moments(X: Float64Array, n: number, D: number): { mean: Float64Array; S: Float64Array } {
    const mean = new Float64Array(D);
    for (let r = 0; r < n; r++) for (let i = 0; i < D; i++) mean[i]! += X[r * D + i]! / n;
    const Xc = new Float64Array(n * D);
    for (let r = 0; r < n; r++) for (let i = 0; i < D; i++) Xc[r * D + i] = X[r * D + i]! - mean[i]!;
    const S = crossProduct(Xc, Xc, n, D, D);
    for (let i = 0; i < D * D; i++) S[i]! /= n;
    return { mean, S };
  }

  /** Maximum likelihood from moments: closed form (top eigenpairs) or EM from a random start. */
  fitMoments(mean: Float64Array, S: Float64Array, g: Generator): void {
    const D = this.dim,
      q = this.config.latent;
    let trace = 0;
    for (let i = 0; i < D; i++) trace += S[i * D + i]!;
    let W: Float64Array, s2: number;
    if (this.config.fit === "closed-form") {
      const block = Math.min(D, q + 10);
      const eig = topEigen((Q) => symTimes(S, Q, D, block), D, block, 300, Float64Array.from(g.normal01(D * block)));
      let top = 0;
      for (let c = 0; c < q; c++) top += eig.values[c]!;
      s2 = (trace - top) / (D - q);
      W = new Float64Array(D * q);
      for (let c = 0; c < q; c++) {
        const scale = Math.sqrt(Math.max(eig.values[c]! - s2, 0));
        for (let i = 0; i < D; i++) W[i * q + c] = eig.U[i * block + c]! * scale;
      }
    } else {
      W = Float64Array.from(g.normal01(D * q), (v) => v * 0.1);
      s2 = trace / D;
      for (let t = 0; t < this.config.emIterations; t++) [W, s2] = emStep(S, W, s2, D, q, trace);
    }
    this.mean.data.set(mean);
    this.W.data.set(W);
    this.logSigma2.data[0] = Math.log(s2);
  }

  /** Closed-form fit on the dequantized training split (the trainer's no-gradient path). */
  fitClosedForm(split: Split, g: Generator): void {
    const X = dequantize(split.values, g);
    const { mean, S } = PPCA.moments(X, split.n, split.dim);
    this.fitMoments(mean, S, g);
  }

  /** log N(x; μ, WWᵀ + σ²I) for rows of X [n, D] (float64), by the Woodbury identity. */
  logDensity(X: Float64Array, n: number): Float64Array {
    const D = this.dim,
      q = this.config.latent,
      W = this.W.data,
      mu = this.mean.data,
      s2 = Math.exp(this.logSigma2.data[0]!);
    const M = new Float64Array(q * q);
    for (let a = 0; a < q; a++)
      for (let b = 0; b < q; b++) {
        let s = a === b ? s2 : 0;
        for (let i = 0; i < D; i++) s += W[i * q + a]! * W[i * q + b]!;
        M[a * q + b] = s;
      }
    const L = cholesky(M, q);
    const logDet = logDetFromCholesky(L, q) + (D - q) * Math.log(s2);
    const out = new Float64Array(n),
      xc = new Float64Array(D),
      p = new Float64Array(q);
    for (let r = 0; r < n; r++) {
      let sq = 0;
      for (let i = 0; i < D; i++) {
        xc[i] = X[r * D + i]! - mu[i]!;
        sq += xc[i]! ** 2;
      }
      p.fill(0);
      for (let i = 0; i < D; i++) {
        const v = xc[i]!;
        for (let c = 0; c < q; c++) p[c]! += v * W[i * q + c]!;
      }
      const sol = cholSolve(L, q, Float64Array.from(p), 1);
      let pmp = 0;
      for (let c = 0; c < q; c++) pmp += p[c]! * sol[c]!;
      out[r] = -0.5 * (D * Math.log(2 * Math.PI) + logDet + (sq - pmp) / s2);
    }
    return out;
  }

  /** log P(pixels) ≈ log p(dequantized x) − D log 256, in nats. */
  logLikelihood(x: Tensor, generator: Generator): LikelihoodResult {
    const X = dequantize(Float32Array.from(x.toArray()), generator);
    const lp = this.logDensity(X, x.shape[0]!).map((v) => v - this.dim * Math.log(256));
    return { logp: lp, estimator: "exact" };
  }

  /**
   * Dq − q(q − 1)/2 + D + 1: W up to a rotation of the latent space, μ and σ² (Tipping & Bishop 1999, §2.2).
   */
  freeParameters(): bigint {
    const D = BigInt(this.dim),
      q = BigInt(this.config.latent);
    return D * q - (q * (q - 1n)) / 2n + D + 1n;
  }

  get latentDim(): number {
    return this.config.latent;
  }

  /** The mean of p(x|z) = W z + μ, clipped to the pixel range. */
  decodeMean(z: Tensor): Tensor {
    return noGrad(() => z.to("float64").matmul(this.W.T).add(this.mean).clamp(0, 1).to("float32"));
  }

  /** x → E[z|x] → W E[z|x] + μ. */
  reconstruct(x: Tensor): Tensor {
    return this.decodeMean(this.embed(x));
  }

  /** Posterior means E[z|x] = M⁻¹Wᵀ(x − μ). */
  embed(x: Tensor): Tensor {
    const D = this.dim,
      q = this.config.latent,
      n = x.shape[0]!,
      W = this.W.data,
      mu = this.mean.data,
      s2 = Math.exp(this.logSigma2.data[0]!);
    const M = new Float64Array(q * q);
    for (let a = 0; a < q; a++)
      for (let b = 0; b < q; b++) {
        let s = a === b ? s2 : 0;
        for (let i = 0; i < D; i++) s += W[i * q + a]! * W[i * q + b]!;
        M[a * q + b] = s;
      }
    const L = cholesky(M, q),
      v = x.toArray(),
      out = new Float32Array(n * q);
    for (let r = 0; r < n; r++) {
      const p = new Float64Array(q);
      for (let i = 0; i < D; i++) {
        const d = v[r * D + i]! - mu[i]!;
        for (let c = 0; c < q; c++) p[c]! += d * W[i * q + c]!;
      }
      cholSolve(L, q, p, 1).forEach((val, c) => (out[r * q + c] = val));
    }
    return tensor(out, [n, q]);
  }

  sample(n: number, generator: Generator): Tensor {
    return noGrad(() => {
      const z = randn([n, this.config.latent], { generator, dtype: "float64" }),
        e = randn([n, this.dim], { generator, dtype: "float64" });
      const x = z
        .matmul(this.W.T)
        .add(this.mean)
        .add(e.mul(Math.exp(0.5 * this.logSigma2.data[0]!)));
      return x.clamp(0, 1).to("float32");
    });
  }
}

/** One EM step for PPCA (Tipping & Bishop 1999, eqs. 29–30), from the sample covariance S. */
export function emStep(
  S: Float64Array,
  W: Float64Array,
  s2: number,
  D: number,
  q: number,
  trace: number,
): [Float64Array, number] {
  const M = new Float64Array(q * q);
  for (let a = 0; a < q; a++)
    for (let b = 0; b < q; b++) {
      let s = a === b ? s2 : 0;
      for (let i = 0; i < D; i++) s += W[i * q + a]! * W[i * q + b]!;
      M[a * q + b] = s;
    }
  const LM = cholesky(M, q);
  const SW = symTimes(S, W, D, q);
  // A = σ²I + M⁻¹ Wᵀ S W;  W_new = S W A⁻¹
  const WtSW = new Float64Array(q * q);
  for (let a = 0; a < q; a++)
    for (let b = 0; b < q; b++) {
      let s = 0;
      for (let i = 0; i < D; i++) s += W[i * q + a]! * SW[i * q + b]!;
      WtSW[a * q + b] = s;
    }
  const MiWtSW = cholSolve(LM, q, WtSW, q);
  const A = new Float64Array(q * q);
  for (let i = 0; i < q * q; i++) A[i] = MiWtSW[i]! + (i % (q + 1) === 0 ? s2 : 0);
  // W_new = SW A⁻¹: solve Aᵀ W_newᵀ = SWᵀ (A is not symmetric in general; Gauss–Jordan on q×q)
  const Ainv = invert(A, q);
  const Wn = new Float64Array(D * q);
  for (let i = 0; i < D; i++)
    for (let c = 0; c < q; c++) {
      let s = 0;
      for (let k = 0; k < q; k++) s += SW[i * q + k]! * Ainv[k * q + c]!;
      Wn[i * q + c] = s;
    }
  // σ²_new = (tr S − tr(S W M⁻¹ W_newᵀ)) / D
  const MiWnT = cholSolve(LM, q, transpose(Wn, D, q), D);
  let tr = 0;
  for (let i = 0; i < D; i++) for (let k = 0; k < q; k++) tr += SW[i * q + k]! * MiWnT[k * D + i]!;
  return [Wn, (trace - tr) / D];
}

function transpose(A: Float64Array, r: number, c: number): Float64Array {
  const T = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) T[j * r + i] = A[i * c + j]!;
  return T;
}

function invert(A0: Float64Array, n: number): Float64Array {
  const A = Float64Array.from(A0),
    I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]!) > Math.abs(A[p * n + c]!)) p = r;
    for (let k = 0; k < n; k++) {
      [A[c * n + k], A[p * n + k]] = [A[p * n + k]!, A[c * n + k]!];
      [I[c * n + k], I[p * n + k]] = [I[p * n + k]!, I[c * n + k]!];
    }
    const d = A[c * n + c]!;
    for (let k = 0; k < n; k++) {
      A[c * n + k]! /= d;
      I[c * n + k]! /= d;
    }
    for (let r = 0; r < n; r++)
      if (r !== c) {
        const f = A[r * n + c]!;
        if (f !== 0)
          for (let k = 0; k < n; k++) {
            A[r * n + k]! -= f * A[c * n + k]!;
            I[r * n + k]! -= f * I[c * n + k]!;
          }
      }
  }
  return I;
}

registerModel({
  name: "ppca",
  description:
    "probabilistic PCA: closed-form (or EM) maximum likelihood; exact log-likelihood of dequantized 8-bit images",
  family: "latent",
  options,
  recipe: {
    dataset: "mnist",
    epochs: 1,
    batchSize: 1000,
    lr: 1,
    reference: "Tipping & Bishop 1999; checked against scikit-learn's PCA(q).score",
  },
  create: (config, data) => new PPCA(config, data),
});
