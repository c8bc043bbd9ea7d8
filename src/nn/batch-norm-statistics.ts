/**
 * Batch norm's running estimates recomputed for the weights a module holds now. They are a moving average of the
 * batch statistics seen while training, so they describe the weights of the last steps; after the weights are
 * replaced (by their moving average, say) the layers' inputs have other means and variances, and evaluation-mode
 * passes would normalise with the wrong ones. Izmailov et al. 2018 (SWA, https://arxiv.org/abs/1803.05407) recompute
 * them with one pass over the data; here the caller supplies the passes (a generator's: its own noise).
 *
 * Each estimate becomes the plain average of the passes' batch statistics (PyTorch's `momentum = None`): before each
 * pass the layer's estimates are zeroed, so its update m·mean and m·n/(n − 1)·var leaves the batch's mean and
 * unbiased variance times the momentum m.
 */
import { BatchNorm } from "./layers.js";
import type { Module } from "./module.js";

/**
 * Recomputes the running mean and variance of every BatchNorm in `module` from `passes` training-mode calls of
 * `forward(pass)` (which should run without recording gradients); the module's train/eval mode is restored.
 */
export function recomputeBatchNormStatistics(module: Module, passes: number, forward: (pass: number) => void): void {
  if (!(Number.isInteger(passes) && passes > 0))
    throw new RangeError(`recomputeBatchNormStatistics: passes must be a positive integer, got ${passes}`);
  const norms = module.modules().filter((m): m is BatchNorm => m instanceof BatchNorm);
  if (norms.length === 0) return;
  if (norms.some((b) => !(b.momentum > 0)))
    throw new RangeError("recomputeBatchNormStatistics: a BatchNorm with momentum 0 never updates its estimates");
  const sums = norms.map((b) => ({ mean: new Float64Array(b.numFeatures), var: new Float64Array(b.numFeatures) }));
  const wasTraining = module.training;
  module.train();
  try {
    for (let pass = 0; pass < passes; pass++) {
      for (const b of norms) {
        b.runningMean.data.fill(0);
        b.runningVar.data.fill(0);
      }
      forward(pass);
      norms.forEach((b, i) => {
        const s = sums[i]!,
          rm = b.runningMean.data,
          rv = b.runningVar.data;
        for (let c = 0; c < b.numFeatures; c++) {
          s.mean[c]! += rm[c]! / b.momentum;
          s.var[c]! += rv[c]! / b.momentum;
        }
      });
    }
  } finally {
    module.train(wasTraining);
  }
  norms.forEach((b, i) => {
    const s = sums[i]!;
    for (let c = 0; c < b.numFeatures; c++) {
      b.runningMean.data[c] = s.mean[c]! / passes;
      b.runningVar.data[c] = s.var[c]! / passes;
    }
  });
}
