/**
 * A map of a latent space: test images embedded and projected onto a plane (the latent plane itself when it has two
 * dimensions, else the two leading principal directions of the embeddings), and a grid of images decoded from evenly
 * spaced points of that plane.
 */
import { noGrad } from "../autograd/tape.js";
import { isLatentModel } from "../models/index.js";
import { tensor } from "../tensor/create.js";
import { requireCapability } from "./capabilities.js";
import type { Images } from "./generate.js";
import { embed } from "./represent.js";
import { openRun, runSplit } from "./runs.js";

export interface LatentPlane {
  latentDim: number;
  /** "latent" when the plane is the 2-D latent space, "pca" when it is a projection */
  projection: "latent" | "pca";
  /** centre and two orthonormal directions, each latentDim long */
  mean: number[];
  axes: [number[], number[]];
  /** projected test points: [u, v] per image, its label (or -1), and the extent of u and v */
  points: Array<[number, number, number]>;
  extent: { u: [number, number]; v: [number, number] };
}

export interface LatentMap extends LatentPlane {
  /** decoded images, row by row: size × size, v decreasing down the rows, u increasing along them */
  grid?: Images & { size: number };
}

/** The two leading principal directions of rows [n, d] (power iteration with deflation; d is small). */
export function principalAxes(values: Float32Array, n: number, d: number): { mean: number[]; axes: number[][] } {
  const mean = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += values[i * d + j]! / n;
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      const xa = values[i * d + a]! - mean[a]!;
      for (let b = 0; b < d; b++) cov[a]![b]! += (xa * (values[i * d + b]! - mean[b]!)) / n;
    }
  const axes: number[][] = [];
  for (let k = 0; k < 2; k++) {
    let v = Array.from({ length: d }, (_, j) => 1 + ((j * 7919 + k * 104729) % 13) / 13); // any start off the axes
    for (let it = 0; it < 200; it++) {
      for (const u of axes) {
        const dot = u.reduce((s, x, j) => s + x * v[j]!, 0);
        v = v.map((x, j) => x - dot * u[j]!);
      }
      const w = cov.map((row) => row.reduce((s, x, j) => s + x * v[j]!, 0));
      const norm = Math.hypot(...w) || 1;
      v = w.map((x) => x / norm);
    }
    axes.push(v);
  }
  return { mean, axes };
}

const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];

/** Embeds the first n test images and finds the plane to draw them on. */
export function latentPlane(target: string, o: { n?: number } = {}): LatentPlane {
  const e = embed(target, { split: "test" });
  const run = openRun(target);
  const labels = runSplit(run, "test").labels;
  const n = Math.min(o.n ?? 1000, e.n),
    d = e.dim;
  const two = d === 2;
  const { mean, axes } = two
    ? {
        mean: [0, 0],
        axes: [
          [1, 0],
          [0, 1],
        ],
      }
    : principalAxes(e.values, n, d);
  const points: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++) {
    const row = e.values.subarray(i * d, (i + 1) * d);
    const [u, v] = axes.map((a) => a.reduce((s, x, j) => s + x * (row[j]! - mean[j]!), 0));
    points.push([u!, v!, labels ? labels[i]! : -1]);
  }
  return {
    latentDim: d,
    projection: two ? "latent" : "pca",
    mean,
    axes: [axes[0]!, axes[1]!],
    points,
    extent: { u: range(points.map((p) => p[0])), v: range(points.map((p) => p[1])) },
  };
}

/** The plane with a size × size grid of decoded images spanning the embedded points. */
export function latentMap(target: string, o: { n?: number; size?: number } = {}): LatentMap {
  const plane = latentPlane(target, o);
  const run = openRun(target);
  const model = requireCapability(run.model, run.config.model, isLatentModel, "latent", "map a latent space");
  if (!model.decodeMean) return plane;
  const size = o.size ?? 10;
  if (!Number.isInteger(size) || size < 2 || size > 32)
    throw new RangeError(`grid size must be an integer in [2, 32], got ${size}`);
  const L = plane.latentDim,
    z = new Float32Array(size * size * L);
  const at = (r: [number, number], t: number): number => r[0] + ((r[1] - r[0]) * t) / (size - 1);
  for (let row = 0; row < size; row++)
    for (let col = 0; col < size; col++) {
      const u = at(plane.extent.u, col),
        v = at(plane.extent.v, size - 1 - row);
      for (let j = 0; j < L; j++)
        z[(row * size + col) * L + j] = plane.mean[j]! + u * plane.axes[0][j]! + v * plane.axes[1][j]!;
    }
  model.eval();
  const x = noGrad(() => model.decodeMean!(tensor(z, [size * size, L])));
  return { ...plane, grid: { values: Float32Array.from(x.toArray()), n: size * size, shape: run.config.shape, size } };
}
