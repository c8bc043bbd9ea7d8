/**
 * Training FLOPs per image of a model's recipe, counted on the engine's own calls: one training step (every phase's
 * loss forward and backward) runs on a batch of random binary images while the multiply–adds of every GEMM,
 * convolution (live taps only, as the kernels compute them) and fused LSTM recurrence are added up; the count per
 * image is that sum × 2 FLOPs / batch. Elementwise work, the optimizer update and the output softmax are left out
 * (they are a few percent at these sizes). One JSON line per model. Made for the convolutional and recurrent image
 * models: the fused fully connected ops of the MLP models (masked linear, linear + activation, NADE) are not counted.
 *
 *   node --import tsx bench/train-flops.ts [--models pixelcnn,gated-pixelcnn,row-lstm,diagonal-bilstm]
 *                                          [--recipe default] [--batch 8] [--seed 0]
 *
 * The recipe's options (width, depth) are the ones counted; the image shape is the recipe's dataset's (1×28×28 for
 * binarized MNIST). Seconds per epoch and per recipe come from the runs themselves, not from this count.
 */
import { parseArgs } from "node:util";
import { getBackend } from "../src/backend/registry.js";
import type { Backend, ConvGeom } from "../src/backend/backend.js";
import { nativeLstmScan } from "../src/fused/lstm-scan/native.js";
import { createModel, getModelSpec, getRecipe, isTrainable } from "../src/models/index.js";
import { tensor } from "../src/tensor/create.js";
import { Generator } from "../src/tensor/rng.js";

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "pixelcnn,gated-pixelcnn,row-lstm,diagonal-bilstm" },
    recipe: { type: "string", default: "default" },
    batch: { type: "string", default: "8" },
    seed: { type: "string", default: "0" },
  },
});

let macs = 0;
const convMacs = (g: ConvGeom): number => g.n * g.cOut * g.ho * g.wo * g.c * (g.taps ? g.taps.length : g.kh * g.kw);

/** Wraps the backend's GEMM and convolution entry points so that each call adds its multiply–adds to `macs`. */
function countBackend(b: Backend): void {
  const m = b as unknown as Record<string, (...a: unknown[]) => unknown>;
  const wrap = (name: keyof Backend, count: (...a: never[]) => number): void => {
    const f = m[name]!;
    m[name] = (...a: unknown[]) => {
      macs += (count as (...x: unknown[]) => number)(...a);
      return f.apply(b, a);
    };
  };
  wrap("matmul", (batch: number, mm: number, n: number, k: number) => batch * mm * n * k);
  wrap("linear", (_x: unknown, _w: unknown, _b: unknown, _o: unknown, mm: number, k: number, n: number) => mm * k * n);
  wrap("conv2d", (g: ConvGeom) => convMacs(g));
  wrap("conv2dGradInput", (g: ConvGeom) => convMacs(g));
  wrap("conv2dGradWeight", (g: ConvGeom) => convMacs(g));
  // one pass computes whichever of the input and weight gradients are asked for
  wrap(
    "conv2dBackward",
    (g: ConvGeom, _x, _w, _y, _gy, gx: unknown, gw: unknown) => convMacs(g) * ((gx ? 1 : 0) + (gw ? 1 : 0)),
  );
}

/** The LSTM recurrence: per step and cell, 4H gates from K neighbouring states of H; backward does it twice. */
function countLstm(): void {
  const k = nativeLstmScan() as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const [name, passes, at] of [
    ["forward", 1, 6],
    ["backward", 2, 8],
  ] as const) {
    const f = k[name]!;
    k[name] = (...a: unknown[]) => {
      const [T, N, S, H, K] = a.slice(at, at + 5) as number[];
      macs += passes * T! * N! * S! * 4 * H! * H! * K!;
      return f(...a);
    };
  }
}

function flopsOf(model: string, recipeName: string, batch: number, seed: number): object {
  const spec = getModelSpec(model),
    recipe = getRecipe(spec, recipeName);
  const shape: [number, number, number] = [1, 28, 28],
    dim = 784;
  const g = new Generator(seed);
  const m = createModel(spec, recipe.options ?? {}, { dim, shape }, g);
  if (!isTrainable(m)) throw new TypeError(`${model} has no training step`);
  const x = tensor(
    Float32Array.from(g.uniform01(batch * dim), (u) => (u < 0.3 ? 1 : 0)),
    [batch, dim],
  );
  const before = macs;
  for (const phase of m.trainingPhases()) phase.loss(x, { generator: g, step: 0, epoch: 0 }).backward();
  const perImage = (2 * (macs - before)) / batch;
  const params = m.parameterCount();
  return { model, recipe: recipeName, parameters: params, train_gflops_per_image: +(perImage / 1e9).toFixed(4) };
}

countBackend(getBackend());
countLstm();
for (const model of values.models!.split(",")) {
  console.log(JSON.stringify(flopsOf(model, values.recipe!, Number(values.batch), Number(values.seed))));
}
