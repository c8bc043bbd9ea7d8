/**
 * The standard benchmark configurations (one Adam step each) written with the engine. Shapes follow the project's
 * benchmark spec; the same work as the PyTorch peer: forward, backward, Adam update on one batch.
 */
import { bernoulli, randn, tensor } from "../tensor/create.js";
import { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { bceWithLogits } from "../ops/loss.js";
import { MaskedLinear } from "../nn/linear.js";
import { MLP } from "../nn/mlp.js";
import { NADE } from "../models/autoregressive/nade.js";
import { dcgan, pixelcnn, rowlstm } from "./image-step-cases.js";
import type { StepCase } from "./step-case.js";
import { pixelStepCases } from "./pixel-step-cases.js";

const D = 784;

export type { StepCase };

const binaryBatch = (b: number, g: Generator): Tensor => bernoulli(0.13, [b, D], { generator: g });

/** Strictly lower-triangular D×D logistic autoregression. */
function fvsbn(g: Generator): StepCase {
  const mask = tensor(
    Array.from({ length: D * D }, (_, k) => (Math.floor(k / D) > k % D ? 1 : 0)),
    [D, D],
  );
  const m = new MaskedLinear(D, D, mask, { generator: g });
  const x = binaryBatch(100, g);
  return { params: m.parameters(), loss: () => bceWithLogits(m.forward(x), x, { reduction: "sum" }).div(100) };
}

/** MADE masks for degrees: hidden m(k) ≥ m(d) connects; the output connects only to strictly smaller degrees. */
function made(hidden: number[], g: Generator): StepCase {
  const degrees: Int32Array[] = [Int32Array.from({ length: D }, (_, i) => i + 1)];
  for (const h of hidden) degrees.push(Int32Array.from(g.integers(h, D - 1), (v) => v + 1));
  degrees.push(Int32Array.from({ length: D }, (_, i) => i + 1));
  const sizes = [D, ...hidden, D];
  const layers = sizes.slice(1).map((out, l) => {
    const din = degrees[l]!,
      dout = degrees[l + 1]!,
      last = l === sizes.length - 2;
    const mask = new Float32Array(out * sizes[l]!);
    for (let o = 0; o < out; o++)
      for (let i = 0; i < sizes[l]!; i++)
        mask[o * sizes[l]! + i] = (last ? dout[o]! > din[i]! : dout[o]! >= din[i]!) ? 1 : 0;
    return new MaskedLinear(sizes[l]!, out, tensor(mask, [out, sizes[l]!]), { generator: g });
  });
  const x = binaryBatch(100, g);
  const loss = (): Tensor => {
    let h = x;
    layers.forEach((l, i) => {
      h = l.forward(h);
      if (i < layers.length - 1) h = h.relu();
    });
    return bceWithLogits(h, x, { reduction: "sum" }).div(100);
  };
  return { params: layers.flatMap((l) => l.parameters()), loss };
}

/** VAE 784-200-200-(2×50) tanh encoder, 50-200-200-784 decoder, Bernoulli likelihood, analytic KL. */
function vae(g: Generator): StepCase {
  const H = 200,
    Z = 50,
    B = 100;
  // the MLPs the VAE model uses (one fused op per layer and activation)
  const enc = new MLP([D, H, H, 2 * Z], "tanh", g),
    dec = new MLP([Z, H, H, D], "tanh", g);
  const x = binaryBatch(B, g);
  const loss = (): Tensor => {
    const s = enc.forward(x);
    const mu = s.slice(1, 0, Z),
      logVar = s.slice(1, Z);
    const z = mu.add(
      logVar
        .mul(0.5)
        .exp()
        .mul(randn([B, Z], { generator: g })),
    );
    const rec = bceWithLogits(dec.forward(z), x, { reduction: "sum" });
    const kl = logVar.exp().add(mu.square()).sub(1).sub(logVar).sum().mul(0.5);
    return rec.add(kl).div(B);
  };
  return { params: [...enc.parameters(), ...dec.parameters()], loss };
}

/** NADE, 500 sigmoid hidden units, through the fused kernel. */
function nade(g: Generator): StepCase {
  const m = new NADE({ hidden: 500 }, { dim: D, shape: [1, 28, 28] }, g);
  const x = binaryBatch(100, g);
  return { params: m.parameters(), loss: () => m.loss(x) };
}

export const stepCases: Record<string, (g: Generator) => StepCase> = {
  nade,
  fvsbn,
  made: (g) => made([500], g),
  made2: (g) => made([500, 500], g),
  vae,
  pixelcnn,
  dcgan,
  rowlstm,
};

/** Every case a name can select: the standard ones, and the pixel models (seconds per step, so not by default). */
export const namedStepCases: Record<string, (g: Generator) => StepCase> = { ...stepCases, ...pixelStepCases };
