/**
 * Two-dimensional toy distributions for the studio's playground: concentric rings, a mixture of eight Gaussians on a
 * circle, and two interleaved spirals. Points lie within about [-4, 4]².
 */
import type { Generator } from "../../tensor/rng.js";

export const TOY_DATASETS = ["rings", "mixture", "spirals"] as const;
export type ToyDataset = (typeof TOY_DATASETS)[number];

/** Standard normal pairs by Box–Muller from the generator's uniforms. */
function normals(g: Generator, n: number): Float64Array {
  const u = g.uniform01(2 * n),
    out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(-2 * Math.log(Math.max(u[2 * i]!, 1e-12))),
      t = 2 * Math.PI * u[2 * i + 1]!;
    out[2 * i] = r * Math.cos(t);
    out[2 * i + 1] = r * Math.sin(t);
  }
  return out;
}

/** n points [n × 2] of a toy distribution. */
export function toyData(name: string, n: number, g: Generator): Float32Array {
  if (!(TOY_DATASETS as readonly string[]).includes(name))
    throw new RangeError(`unknown toy dataset "${name}"; known: ${TOY_DATASETS.join(", ")}`);
  const u = g.uniform01(2 * n),
    e = normals(g, n),
    x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    let a: number, b: number;
    if (name === "rings") {
      const r = [1, 2, 3][Math.floor(u[2 * i]! * 3)]! + 0.1 * e[2 * i]!,
        t = 2 * Math.PI * u[2 * i + 1]!;
      [a, b] = [r * Math.cos(t), r * Math.sin(t)];
    } else if (name === "mixture") {
      const t = (2 * Math.PI * Math.floor(u[2 * i]! * 8)) / 8;
      [a, b] = [2.5 * Math.cos(t) + 0.2 * e[2 * i]!, 2.5 * Math.sin(t) + 0.2 * e[2 * i + 1]!];
    } else {
      const arm = u[2 * i]! < 0.5 ? 0 : Math.PI,
        s = Math.sqrt(u[2 * i + 1]!) * 3 * Math.PI,
        r = (s / (3 * Math.PI)) * 3.5;
      [a, b] = [r * Math.cos(s + arm) + 0.1 * e[2 * i]!, r * Math.sin(s + arm) + 0.1 * e[2 * i + 1]!];
    }
    x[2 * i] = a;
    x[2 * i + 1] = b;
  }
  return x;
}
