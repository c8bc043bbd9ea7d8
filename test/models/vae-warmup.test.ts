/**
 * KL warm-up (Sønderby et al. 2016): step s of a `klWarmup` n run trains on the reconstruction term plus
 * min(1, s/n) times the KL term, gradients included; from step n on it is the ELBO; k > 1 refuses the option.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, Tensor } from "../../src/index.js";
import { VAE, options, iwaeOptions } from "../../src/models/latent/vae.js";
import { assertClose, randomTensor } from "../helpers.js";

const D = 7,
  B = 4;
const shape = { dim: D, shape: [1, 1, D] as [number, number, number] };
const model = (klWarmup: number) =>
  new VAE({ ...options.parse({}), hidden: [6], latent: 3, klWarmup }, shape, new Generator(5));
const x = randomTensor(new Generator(9), [B, D], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);

/** The phase's loss at `step` with draws from `seed`, and its gradient over every parameter, flattened. */
function phaseAt(m: VAE, step: number, seed: number): { value: number; grad: number[] } {
  for (const p of m.parameters()) p.zeroGrad();
  const [phase] = m.trainingPhases();
  const loss = phase!.loss(x, { generator: new Generator(seed), step, epoch: 0 });
  loss.backward();
  return { value: loss.item(), grad: m.parameters().flatMap((p: Tensor) => Array.from(p.grad!.toArray())) };
}

test("warm-up: the loss and its gradient at step s are rec + (s/n)·KL, from the same draws (rtol 1e-5)", () => {
  const m = model(1000);
  const rec = phaseAt(m, 0, 3),
    elbo = phaseAt(m, 1000, 3);
  assert.ok(elbo.value - rec.value > 0.01, `the KL term is ${elbo.value - rec.value}: too small to tell apart`);
  for (const s of [250, 640]) {
    const b = s / 1000,
      mid = phaseAt(m, s, 3);
    assertClose([mid.value], [rec.value + b * (elbo.value - rec.value)], { atol: 1e-4, rtol: 1e-5 }, `value, s ${s}`);
    const want = rec.grad.map((g, i) => g + b * (elbo.grad[i]! - g));
    assertClose(mid.grad, want, { atol: 1e-5, rtol: 1e-5 }, `gradient, s ${s}`);
  }
  // past n the weight stays 1, and the model without warm-up trains on the same ELBO
  assertClose([phaseAt(m, 5000, 3).value], [elbo.value], { atol: 0, rtol: 0 }, "after warm-up");
  assertClose([phaseAt(model(0), 17, 3).value], [elbo.value], { atol: 1e-6, rtol: 0 }, "no warm-up");
});

test("warm-up needs the ELBO: with k > 1 the option is refused with a reason", () => {
  const cfg = { ...iwaeOptions.parse({}), hidden: [6], latent: 3, klWarmup: 10 };
  assert.throws(() => new VAE(cfg, shape, new Generator(1), "iwae"), /klWarmup .* needs k = 1 \(k is 50\)/);
});
