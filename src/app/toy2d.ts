/**
 * The 2-D playground: a small autoregressive mixture density, a 2-D VAE or a 2-D GAN trained live on toy data
 * (rings, a mixture of Gaussians, spirals) with the Trainer's own training step (every phase, each with its optimizer),
 * reporting snapshots: the loss of each phase, the density on a grid (models with a density or a bound), generated
 * points (samplers) and the discriminator's field (models that have one).
 */
import type { Dataset, Split } from "../data/datasets.js";
import { canSample, hasDensity, type GenerativeModel, type Trainable } from "../models/index.js";
import { GAN2D } from "../models/toy2d/gan2d.js";
import { MixtureAR2D } from "../models/toy2d/ar2d.js";
import { VAE2D } from "../models/toy2d/vae2d.js";
import { toyData, TOY_DATASETS } from "../models/toy2d/data.js";
import { parseRecipe } from "../models/index.js";
import { noGrad } from "../autograd/tape.js";
import { tensor } from "../tensor/create.js";
import { Generator } from "../tensor/rng.js";
import { Trainer } from "../train/trainer.js";

export const TOY_MODELS = ["ar", "vae", "gan"] as const;
export { TOY_DATASETS };

/** The plotted square [-R, R]² holds every toy distribution. */
export const TOY_RANGE = 4.5;

export interface ToyRequest {
  data: string;
  model: string;
  steps?: number;
  seed?: number;
  batchSize?: number;
  lr?: number;
  /** a snapshot every this many steps (default: steps / 20) */
  every?: number;
  /** grid cells per side of the density and discriminator maps */
  grid?: number;
}

export interface ToySnapshot {
  step: number;
  /** the last loss of each phase, by phase name */
  losses: Record<string, number>;
  /** log p(x) at the grid's cell centres, row by row from the top (y = R) down, when the model has a density */
  logDensity?: number[];
  estimator?: string;
  /** generated points, [x, y] pairs flattened */
  samples?: number[];
  /** D(x) on the grid, when the model has a discriminator */
  discriminator?: number[];
}

export interface ToyStart {
  model: string;
  capabilities: readonly string[];
  phases: string[];
  parameters: number;
  /** training points shown behind the model's, [x, y] pairs flattened */
  data: number[];
  range: number;
  grid: number;
}

const TRAIN_POINTS = 4000;

function createToyModel(name: string, g: Generator): GenerativeModel & Trainable {
  if (name === "ar") return new MixtureAR2D({ components: 8, hidden: 32 }, g);
  if (name === "vae") return new VAE2D({ hidden: 32, evalSamples: 16 }, g);
  if (name === "gan") return new GAN2D({ hidden: 48, discriminatorSteps: 1 }, g);
  throw new RangeError(`unknown toy model "${name}"; known: ${TOY_MODELS.join(", ")}`);
}

const DEFAULT_LR: Record<string, number> = { ar: 5e-3, vae: 5e-3, gan: 2e-3 };

/** Toy points as a one-split dataset of 1 × 1 × 2 "images", so the Trainer's step runs on them unchanged. */
function toyDataset(name: string, values: Float32Array): Dataset {
  const split: Split = { name: "train", n: values.length / 2, dim: 2, shape: [1, 1, 2], values, labels: null };
  return { name: `toy-${name}`, binarization: "none", source: "generated", split: () => split };
}

/** Cell centres of a g × g grid over [-R, R]², row by row from the top. */
export function gridPoints(g: number, R = TOY_RANGE): Float32Array {
  const out = new Float32Array(2 * g * g);
  for (let r = 0; r < g; r++)
    for (let c = 0; c < g; c++) {
      out[2 * (r * g + c)] = -R + ((c + 0.5) * 2 * R) / g;
      out[2 * (r * g + c) + 1] = R - ((r + 0.5) * 2 * R) / g;
    }
  return out;
}

function snapshot(model: GenerativeModel, step: number, losses: Record<string, number>, grid: number, seed: number) {
  const g = new Generator(seed),
    pts = tensor(gridPoints(grid), [grid * grid, 2]);
  const s: ToySnapshot = { step, losses };
  model.eval();
  if (hasDensity(model)) {
    const r = noGrad(() => model.logLikelihood(pts, g));
    s.logDensity = Array.from(r.logp);
    s.estimator = r.estimator;
  }
  if (canSample(model)) s.samples = Array.from(model.sample(500, g).toArray());
  if (model instanceof GAN2D) s.discriminator = Array.from(model.discriminate(pts));
  model.train();
  return s;
}

/** Trains a toy model, calling `onStart` once and `onSnapshot` every `every` steps and at the end. */
export async function trainToy(
  o: ToyRequest,
  hooks: { onStart?(s: ToyStart): void; onSnapshot?(s: ToySnapshot): void; signal?: AbortSignal } = {},
): Promise<{ steps: number }> {
  const steps = o.steps ?? 1000,
    seed = o.seed ?? 0,
    grid = o.grid ?? 48,
    B = o.batchSize ?? 256;
  for (const [k, v, max] of [
    ["steps", steps, 100_000],
    ["batchSize", B, 4096],
    ["grid", grid, 128],
  ] as const)
    if (!Number.isInteger(v) || v < 1 || v > max)
      throw new RangeError(`${k} must be an integer in [1, ${max}], got ${v}`);
  const points = toyData(o.data, TRAIN_POINTS, new Generator(seed));
  const model = createToyModel(o.model, Generator.derive(seed, 1));
  const training = parseRecipe("toy training", {
    dataset: `toy-${o.data}`,
    epochs: 1,
    batchSize: B,
    lr: o.lr ?? DEFAULT_LR[o.model],
  });
  const trainer = new Trainer({ model, dataset: toyDataset(o.data, points), runDir: "", training, seed });
  hooks.onStart?.({
    model: o.model,
    capabilities: model.capabilities,
    phases: trainer.phases.map((p) => p.name),
    parameters: model.parameterCount(),
    data: Array.from(points.subarray(0, 2 * 1000)),
    range: TOY_RANGE,
    grid,
  });
  const every = o.every ?? Math.max(1, Math.floor(steps / 20));
  const gen = Generator.derive(seed, 2),
    x = new Float32Array(2 * B);
  model.train();
  let step = 0;
  for (; step < steps && !hooks.signal?.aborted; step++) {
    const idx = gen.uniform01(B);
    for (let i = 0; i < B; i++)
      x.set(points.subarray(2 * Math.floor(idx[i]! * TRAIN_POINTS), 2 * Math.floor(idx[i]! * TRAIN_POINTS) + 2), 2 * i);
    const losses = trainer.trainStep(tensor(x, [B, 2]), { generator: gen, step, epoch: 0 });
    if ((step + 1) % every === 0 || step + 1 === steps) {
      const named = Object.fromEntries(trainer.phases.map((p, i) => [p.name, losses[i]!]));
      hooks.onSnapshot?.(snapshot(model, step + 1, named, grid, seed + step));
      await new Promise((res) => setImmediate(res)); // lets a stop request through
    }
  }
  return { steps: step };
}
