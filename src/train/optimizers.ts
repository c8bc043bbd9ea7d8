/**
 * The optimizers of a recipe's training phases (Adam's betas per phase, the optimizer kind and its decay) and the
 * penalties the Trainer adds to the weight gradients itself (L2 on weights only, L1).
 */
import { noGrad } from "../autograd/tape.js";
import type { Recipe } from "../models/recipe.js";
import { Adam, AdamW } from "../optim/adam.js";
import type { Optimizer } from "../optim/optimizer.js";
import { RMSprop } from "../optim/rmsprop.js";
import { SGD } from "../optim/sgd.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * Adam's betas for one phase: the recipe's pair, or its pair for this phase's name; [0.9, 0.999] when it names none.
 * Names that match no phase are refused rather than ignored.
 */
export function phaseBetas(r: Recipe, phase: string, phases: readonly string[] = [phase]): [number, number] {
  const b = r.betas;
  if (!b) return [0.9, 0.999];
  if (Array.isArray(b)) return b;
  const unknown = Object.keys(b).filter((k) => !phases.includes(k));
  if (unknown.length > 0)
    throw new RangeError(
      `training setting "betas" names ${unknown.map((k) => `"${k}"`).join(", ")}, ` +
        `which ${unknown.length > 1 ? "are not training phases" : "is not a training phase"}; ` +
        `this model's phases: ${phases.join(", ")}`,
    );
  return b[phase] ?? [0.9, 0.999];
}

/**
 * The optimizer of one phase. With `decayBiases: false` the optimizer itself decays nothing: the Trainer adds the L2
 * gradient to the weights alone (`addWeightDecay`), which is the same coupled L2 the optimizers apply.
 */
export function makeOptimizer(
  params: Tensor[],
  r: Recipe,
  lrFactor = 1,
  betas: [number, number] = Array.isArray(r.betas) ? r.betas : [0.9, 0.999],
): Optimizer {
  const lr = r.lr * lrFactor;
  const wd = r.decayBiases === false ? 0 : (r.weightDecay ?? 0);
  switch (r.optimizer ?? "adam") {
    case "adam":
      return new Adam(params, { lr, betas, weightDecay: wd });
    case "adamw":
      return new AdamW(params, { lr, betas, weightDecay: r.weightDecay ?? 1e-2 });
    case "sgd":
      return new SGD(params, { lr, momentum: r.momentum ?? 0.9, weightDecay: wd });
    case "rmsprop":
      return new RMSprop(params, { lr, weightDecay: wd });
  }
}

/**
 * L2 on the weights only: g ← g + wd·w for every parameter of two or more dimensions (weight matrices, kernels);
 * biases and norm gains (one dimension) are left undecayed. Gradients are replaced, not written in place.
 */
export function addWeightDecay(params: readonly Tensor[], wd: number): void {
  if (!(wd > 0)) return;
  noGrad(() => {
    for (const p of params) if (p.grad && p.shape.length >= 2) p.grad = p.grad.add(p.mul(wd));
  });
}

/**
 * L1 on the weights only: g ← g + λ·sign(w) (the subgradient of λ·Σ|w|) for every parameter of two or more
 * dimensions. It drives the weights of inputs that do not matter towards zero, where L2 only shrinks them.
 */
export function addL1(params: readonly Tensor[], l1: number): void {
  if (!(l1 > 0)) return;
  noGrad(() => {
    for (const p of params) if (p.grad && p.shape.length >= 2) p.grad = p.grad.add(p.sign().mul(l1));
  });
}
