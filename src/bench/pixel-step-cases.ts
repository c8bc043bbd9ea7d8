/** One Adam step of each pixel model at its default size on a batch of 28×28 binary images (the recipes' batch). */
import { createModel, getModelSpec } from "../models/index.js";
import type { PixelModel } from "../models/pixel/pixel-model.js";
import { bernoulli } from "../tensor/create.js";
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";

function pixelStep(name: string, g: Generator): { params: Tensor[]; loss: () => Tensor } {
  const spec = getModelSpec(name);
  const m = createModel(spec, {}, { dim: 784, shape: [1, 28, 28] }, g) as PixelModel;
  const x = bernoulli(0.13, [spec.recipe.batchSize, 784], { generator: g });
  return { params: m.parameters(), loss: () => m.loss(x) };
}

export const pixelStepCases = {
  // the registered model at its default size ("pixelcnn" is the standard configuration of the benchmark spec)
  "pixelcnn-model": (g: Generator) => pixelStep("pixelcnn", g),
  "gated-pixelcnn": (g: Generator) => pixelStep("gated-pixelcnn", g),
  "row-lstm": (g: Generator) => pixelStep("row-lstm", g),
  "diagonal-bilstm": (g: Generator) => pixelStep("diagonal-bilstm", g),
};
