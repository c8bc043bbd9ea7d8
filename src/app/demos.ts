/**
 * The demos of `deepgen demo`, as operations: `mnist` trains a 500-unit MADE on offline binarized MNIST for about a
 * minute and samples from it; `bars` fits an FVSBN to 4×4 "bars" images in a second and checks that its
 * probabilities over all 2¹⁶ images sum to 1 — every step through the tensor engine.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { noGrad } from "../autograd/tape.js";
import { canSample, createModel, getModelSpec, hasExactDensity, isTrainable } from "../models/index.js";
import { requireCapability } from "./capabilities.js";
import { Adam } from "../optim/adam.js";
import { tensor } from "../tensor/create.js";
import { Generator } from "../tensor/rng.js";
import { fit, type FitHooks, type RunResult } from "./fit.js";
import { sample, type Images } from "./generate.js";

/** The model and settings of the MNIST demo (the model's full recipe is far longer). */
export const MNIST_DEMO = { model: "made", data: "mnist-fixed", options: { hidden: [500] } };

export interface MnistDemoResult {
  run: RunResult;
  samples?: Images;
}

export async function mnistDemo(
  o: { epochs: number; seed: number; out?: string },
  hooks: FitHooks = {},
): Promise<MnistDemoResult> {
  const runDir = o.out ?? mkdtempSync(path.join(os.tmpdir(), "deepgen-demo-"));
  const run = await fit(
    {
      model: MNIST_DEMO.model,
      options: MNIST_DEMO.options,
      training: { dataset: MNIST_DEMO.data, epochs: o.epochs },
      seed: o.seed,
      out: runDir,
    },
    hooks,
  );
  if (!run.metrics) return { run };
  return { run, samples: sample(runDir, { n: 64, seed: o.seed }) };
}

const S = 4,
  D = S * S;

/** Bars: all-rows or all-columns orientation (p = 1/2), each bar on with probability 1/2. */
export function bars(n: number, g: Generator): Float32Array {
  const u = g.uniform01(n * (S + 1)),
    out = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const vertical = u[i * (S + 1)]! < 0.5;
    for (let b = 0; b < S; b++) {
      if (u[i * (S + 1) + 1 + b]! >= 0.5) continue;
      for (let k = 0; k < S; k++) out[i * D + (vertical ? k * S + b : b * S + k)] = 1;
    }
  }
  return out;
}

/** Entropy of the bars distribution in nats, by enumerating its images (empty and full ones arise both ways). */
export function barsEntropy(): number {
  const p = new Map<number, number>();
  for (const vertical of [false, true])
    for (let on = 0; on < 2 ** S; on++) {
      let img = 0;
      for (let b = 0; b < S; b++)
        if ((on >> b) & 1) for (let k = 0; k < S; k++) img |= 1 << (vertical ? k * S + b : b * S + k);
      p.set(img, (p.get(img) ?? 0) + 0.5 * 2 ** -S);
    }
  return -[...p.values()].reduce((h, q) => h + q * Math.log(q), 0);
}

export interface BarsDemoResult {
  model: string;
  testNll: number;
  entropy: number;
  /** Σ p(x) over all 2^16 images */
  total: number;
  samples: Float32Array;
  size: number;
}

/** FVSBN on bars, trained by Adam on fresh batches of 256; `onStep(step, trainNll)` every 100 steps. */
export function barsDemo(
  o: { steps: number; seed: number },
  onStep?: (step: number, nll: number) => void,
): BarsDemoResult {
  const g = new Generator(o.seed);
  const name = "fvsbn";
  const m = createModel(getModelSpec(name), { zeroInit: false }, { dim: D, shape: [1, S, S] }, g);
  const phase = requireCapability(m, name, isTrainable, "trainable", "train").trainingPhases()[0]!;
  const density = requireCapability(m, name, hasExactDensity, "exact-density", "give exact likelihoods");
  const sampler = requireCapability(m, name, canSample, "sampler", "sample");
  const opt = new Adam(phase.parameters, { lr: 0.05 });
  const test = tensor(bars(2000, g), [2000, D]);
  for (let step = 1; step <= o.steps; step++) {
    const nll = phase.loss(tensor(bars(256, g), [256, D]), { generator: g, step, epoch: 0 });
    opt.zeroGrad();
    nll.backward();
    opt.step();
    if (step % 100 === 0 || step === 1) onStep?.(step, nll.item());
  }
  return noGrad(() => {
    const all = tensor(
      Array.from({ length: 2 ** D * D }, (_, k) => (Math.floor(k / D) >> (k % D)) & 1),
      [2 ** D, D],
    );
    const logp = density.logLikelihood(all, g).logp;
    const top = Math.max(...logp);
    const total = Math.exp(top) * logp.reduce((s, v) => s + Math.exp(v - top), 0);
    const testNll = -density.logLikelihood(test, g).logp.reduce((a, b) => a + b, 0) / 2000;
    const samples = Float32Array.from(sampler.sample(6, g).toArray());
    return { model: name, testNll, entropy: barsEntropy(), total, samples, size: S };
  });
}
