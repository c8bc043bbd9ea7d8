/**
 * The translation models: the cycle loss (zero exactly for an identity pair, positive otherwise), the LSGAN terms at
 * their optima, the split of an example into two domains, gradients reaching both generators, and translate().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, tensor, type Tensor } from "../../src/index.js";
import { CycleGAN, options as cycleganOptions } from "../../src/models/translation/cyclegan.js";
import { CycleVAE, options as cycleVaeOptions } from "../../src/models/translation/cycle-vae.js";
import {
  cycleLoss,
  lsDiscriminatorLoss,
  lsGeneratorLoss,
  splitDomains,
} from "../../src/models/translation/translator.js";
import { canTranslate } from "../../src/models/base.js";
import type { Module } from "../../src/nn/module.js";
import { randomTensor } from "../helpers.js";

const DATA = { dim: 4 * 784, shape: [4, 28, 28] as [number, number, number] };
const images = (g: Generator, n: number): Tensor =>
  randomTensor(g, [n, 3, 28, 28], { dtype: "float32", low: 0, high: 1, grad: false });

test("cycle loss is exactly zero for an identity pair of generators, and positive otherwise", () => {
  const g = new Generator(1);
  const a = images(g, 3),
    b = images(g, 3);
  const id = (x: Tensor): Tensor => x;
  assert.equal(cycleLoss(a, b, id, id).item(), 0);
  // G(x) = x/2, F(y) = 2y + 0.1: F(G(a)) = a + 0.1 and G(F(b)) = b + 0.05, a constant error in each direction
  const G = (x: Tensor): Tensor => x.mul(0.5),
    F = (y: Tensor): Tensor => y.mul(2).add(0.1);
  // mean |·| of the constant offsets: 0.1 + 0.05 (float32 rounding: tolerance 1e-5)
  assert.ok(Math.abs(cycleLoss(a, b, G, F).item() - 0.15) < 1e-5, `${cycleLoss(a, b, G, F).item()}`);
  // a pair that is not inverse on random images in [0, 1]: mean |a² − a| = 1/6 for uniform a, strictly positive
  assert.ok(cycleLoss(a, b, (x) => x.square(), id).item() > 0.05);
});

test("LSGAN losses vanish at their optima and equal their formulas elsewhere", () => {
  const ones = tensor([1, 1, 1, 1], [2, 2]),
    zeros = tensor([0, 0, 0, 0], [2, 2]);
  assert.equal(lsDiscriminatorLoss(ones, zeros).item(), 0);
  assert.equal(lsGeneratorLoss(ones).item(), 0);
  const s = tensor([0.5, -1, 2, 0], [2, 2]);
  // ½ mean (s − 1)² + ½ mean s² = ½(0.25 + 4 + 1 + 1)/4 + ½(0.25 + 1 + 4 + 0)/4; tolerance 1e-6 (float32)
  assert.ok(Math.abs(lsDiscriminatorLoss(s, s).item() - (0.5 * 6.25) / 4 - (0.5 * 5.25) / 4) < 1e-6);
  assert.ok(Math.abs(lsGeneratorLoss(s).item() - 6.25 / 4) < 1e-6);
});

test("an example splits into a grey domain (three equal channels) and a colour one", () => {
  const g = new Generator(2);
  const x = randomTensor(g, [2, 4 * 784], { dtype: "float32", low: 0, high: 1, grad: false });
  const { a, b } = splitDomains(x, DATA);
  assert.deepEqual(a.shape, [2, 3, 28, 28]);
  const xv = x.toArray(),
    av = a.toArray(),
    bv = b.toArray();
  for (let i = 0; i < 2; i++)
    for (let p = 0; p < 784; p += 13) {
      for (let c = 0; c < 3; c++) assert.equal(av[(i * 3 + c) * 784 + p], xv[i * 3136 + p]);
      for (let c = 0; c < 3; c++) assert.equal(bv[(i * 3 + c) * 784 + p], xv[i * 3136 + (1 + c) * 784 + p]);
    }
  assert.throws(() => splitDomains(x.reshape([8, 784]), DATA), /4 channels .*mnist-translation/);
});

const hasGrad = (m: Module): boolean[] =>
  m.parameters().map((p) => p.grad !== null && p.grad.toArray().some((v) => v !== 0));

test("the cycle loss's gradient reaches both generators and no discriminator", () => {
  const g = new Generator(3);
  const model = new CycleGAN(cycleganOptions.parse({ width: 4, discriminatorWidth: 4 }), DATA, g);
  const a = images(g, 2),
    b = images(g, 2);
  cycleLoss(a, b, model.G, model.F).backward();
  assert.ok(hasGrad(model.genAB).every(Boolean), "every parameter of G: A → B gets a gradient");
  assert.ok(hasGrad(model.genBA).every(Boolean), "every parameter of F: B → A gets a gradient");
  assert.ok(hasGrad(model.discA).every((v) => !v) && hasGrad(model.discB).every((v) => !v));
});

test("CycleGAN's phases: discriminators, then generators, each updating only its own networks", () => {
  const g = new Generator(4);
  const model = new CycleGAN(cycleganOptions.parse({ width: 4, discriminatorWidth: 4, lambdaIdentity: 1 }), DATA, g);
  const x = randomTensor(g, [2, 4 * 784], { dtype: "float32", low: 0, high: 1, grad: false });
  const [d, gen] = model.trainingPhases();
  assert.deepEqual([d!.name, gen!.name], ["discriminators", "generators"]);
  const ctx = { generator: g, step: 0, epoch: 0 };
  d!.loss(x, ctx).backward();
  assert.ok(hasGrad(model.discA).every(Boolean) && hasGrad(model.discB).every(Boolean));
  assert.ok(
    hasGrad(model.genAB).every((v) => !v),
    "the translations are constants in the discriminator phase",
  );
  const l = gen!.loss(x, ctx);
  assert.ok(Number.isFinite(l.item()) && l.item() > 0);
  assert.equal(
    new Set(gen!.parameters).size,
    model.genAB.parameters().length + model.genBA.parameters().length,
    "the generator phase updates exactly G and F",
  );
});

test("Cycle VAE: the VAE phase's gradient reaches both encoders, both decoders and the shared layers", () => {
  const g = new Generator(5);
  const model = new CycleVAE(cycleVaeOptions.parse({ width: 4, latentChannels: 2, discriminatorWidth: 4 }), DATA, g);
  const x = randomTensor(g, [2, 4 * 784], { dtype: "float32", low: 0, high: 1, grad: false });
  const phases = model.trainingPhases();
  assert.deepEqual(
    phases.map((p) => p.name),
    ["discriminators", "vae"],
  );
  phases[1]!.loss(x, { generator: g, step: 0, epoch: 0 }).backward();
  for (const m of [model.encA, model.encB, model.encShared, model.decShared, model.decA, model.decB])
    assert.ok(hasGrad(m).every(Boolean));
  const noAdv = new CycleVAE(cycleVaeOptions.parse({ width: 4, latentChannels: 2, lambdaAdversarial: 0 }), DATA, g);
  assert.deepEqual(
    noAdv.trainingPhases().map((p) => p.name),
    ["vae"],
  );
});

test("translate: values in [0, 1], the layout kept, the training mode restored", () => {
  const g = new Generator(6);
  for (const model of [
    new CycleGAN(cycleganOptions.parse({ width: 4, discriminatorWidth: 4 }), DATA, g),
    new CycleVAE(cycleVaeOptions.parse({ width: 4, latentChannels: 2 }), DATA, g),
  ]) {
    assert.ok(canTranslate(model));
    const x = images(g, 3).reshape([3, 2352]);
    for (const dir of ["a-to-b", "b-to-a"] as const) {
      const y = model.translate(x, dir);
      assert.deepEqual(y.shape, [3, 2352]);
      assert.ok(y.toArray().every((v) => v >= 0 && v <= 1));
    }
    assert.equal(model.training, true);
    assert.throws(() => model.translate(tensor(new Float32Array(784), [1, 784]), "a-to-b"), /3×28×28/);
  }
});
