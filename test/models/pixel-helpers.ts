/**
 * Checks shared by the pixel-model tests: the gradient dependency test in raster order (row, column, channel),
 * Σ_x p(x) over every image of a tiny grid, and sampling frequencies against p(x).
 */
import assert from "node:assert/strict";
import { Generator, models, noGrad, tensor, type Tensor } from "../../src/index.js";
import type { PixelModel } from "../../src/models/pixel/pixel-model.js";

export type Shape3 = [number, number, number];

/**
 * A model with random weights. Every parameter is scaled by `gain` so the conditionals are far from uniform (a
 * near-uniform model would pass Σp = 1 even with a broken ordering).
 */
export function makePixel(name: string, opts: Record<string, unknown>, shape: Shape3, seed = 1, gain = 2): PixelModel {
  const spec = models.getModelSpec(name);
  const dim = shape[0] * shape[1] * shape[2];
  const m = models.createModel(spec, opts, { dim, shape }, new Generator(seed)) as PixelModel;
  noGrad(() => {
    for (const p of m.parameters()) p.data.set(p.mul(gain).data);
  });
  return m.eval();
}

/** Rank of value (c, y, x) in the raster order row → column → channel. */
export const rankOf = (shape: Shape3, c: number, y: number, x: number): number => (y * shape[2] + x) * shape[0] + c;

/**
 * For each value i (index c·H·W + y·W + x of the flat image): the flat input positions j where the gradient of
 * value i's output parameters (summed with random weights over a batch of random inputs) is not exactly zero.
 */
export function gradientSupport(m: PixelModel, shape: Shape3, g: Generator, batch = 3): Set<number>[] {
  const [C, H, W] = shape,
    D = C * H * W,
    P = m.output.paramsPerChannel;
  const out: Set<number>[] = [];
  for (let i = 0; i < D; i++) {
    const c = Math.floor(i / (H * W)),
      p = i % (H * W);
    const x = tensor(Float32Array.from(g.uniform01(batch * D)), [batch, D]).requireGrad();
    const w = new Float32Array(batch * C * P * H * W);
    const r = g.normal01(batch * P);
    for (let b = 0; b < batch; b++)
      for (let k = 0; k < P; k++) w[((b * C + c) * P + k) * H * W + p] = 1 + Math.abs(r[b * P + k]!);
    m.outputParams(x)
      .mul(tensor(w, [batch, C * P, H, W]))
      .sum()
      .backward();
    const grad = x.grad!.toArray();
    out.push(new Set(grad.flatMap((v, k) => (v !== 0 ? [k % D] : []))));
  }
  return out;
}

/** Asserts the dependency test: value i's parameters have zero gradient at i and at every later value. */
export function assertCausal(name: string, m: PixelModel, shape: Shape3): void {
  const [, H, W] = shape;
  const rank = (j: number): number => {
    const c = Math.floor(j / (H * W)),
      p = j % (H * W);
    return rankOf(shape, c, Math.floor(p / W), p % W);
  };
  const deps = gradientSupport(m, shape, new Generator(2));
  deps.forEach((d, i) => {
    for (const j of d) assert.ok(rank(j) < rank(i), `${name}: value ${i} (rank ${rank(i)}) depends on ${j}`);
  });
  let last = 0;
  for (let j = 1; j < deps.length; j++) if (rank(j) > rank(last)) last = j;
  assert.ok(deps[last]!.size > 0, `${name}: the last value depends on something (the test can fail)`);
}

/** Every image with values on `levels` levels, [levels^D, D]. */
export function allImages(D: number, levels: number): Tensor {
  const n = levels ** D,
    v = new Float32Array(n * D);
  for (let k = 0; k < n; k++) {
    let r = k;
    for (let i = 0; i < D; i++) {
      v[k * D + i] = (r % levels) / (levels - 1);
      r = Math.floor(r / levels);
    }
  }
  return tensor(v, [n, D]);
}

/** Σ_x p(x) over every image of the grid (in chunks to bound memory). */
export function totalProbability(m: PixelModel, D: number, levels: number): number {
  const all = allImages(D, levels),
    n = all.shape[0]!,
    chunk = 1024;
  let total = 0;
  for (let s = 0; s < n; s += chunk) {
    const lp = m.logLikelihood(all.slice(0, s, Math.min(n, s + chunk)), new Generator(0)).logp;
    for (const v of lp) total += Math.exp(v);
  }
  return total;
}

/** Total variation between the frequencies of n samples and p(x) over every image of D values on `levels` levels. */
export function samplingTV(m: PixelModel, D: number, n: number, seed = 9, levels = 2): number {
  const p = m.logLikelihood(allImages(D, levels), new Generator(0)).logp.map(Math.exp);
  const s = m.sample(n, new Generator(seed)).toArray();
  const counts = new Float64Array(levels ** D);
  for (let r = 0; r < n; r++) {
    let code = 0;
    for (let i = 0; i < D; i++) code += Math.round(s[r * D + i]! * (levels - 1)) * levels ** i;
    counts[code]!++;
  }
  return 0.5 * p.reduce((t, q, k) => t + Math.abs(q - counts[k]! / n), 0);
}
