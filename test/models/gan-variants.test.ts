/**
 * WGAN-GP's gradient penalty (the composed input gradient against backward(), its weight gradients against central
 * differences) and DCGAN's architecture (shapes, parameter count of the benchmark configuration, batch-independent
 * samples, one training step).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, noGrad, type Tensor } from "../../src/index.js";
import { leakyMlpInputGradient, mlpForward, type AffineWeights } from "../../src/models/adversarial/mlp-net.js";
import { gradientPenalty, interpolates, WGANGP, options as wganOptions } from "../../src/models/adversarial/wgan-gp.js";
import { DCGAN, options as dcganOptions } from "../../src/models/adversarial/dcgan.js";
import "../../src/models/adversarial/gan.js"; // registers gan
import { getModelSpec } from "../../src/models/registry.js";
import { datasetInfo } from "../../src/data/datasets.js";
import type { Recipe } from "../../src/models/recipe.js";
import { Trainer } from "../../src/train/trainer.js";
import { assertClose, gradCheck, randomTensor } from "../helpers.js";
import { tempDir } from "../tmp.js";

/** A random float64 LeakyReLU critic sizes[0] → … → 1. */
function randomCritic(g: Generator, sizes: number[]): AffineWeights[] {
  return sizes.slice(1).map((o, i) => ({
    weight: randomTensor(g, [o, sizes[i]!], { low: -1, high: 1 }),
    bias: randomTensor(g, [o], { low: -0.5, high: 0.5 }),
  }));
}

test("composed ∇_x f of a LeakyReLU critic equals the gradient backward() computes", () => {
  const g = new Generator(21);
  for (const sizes of [
    [5, 7, 6, 1],
    [4, 9, 1],
    [3, 1],
  ]) {
    const critic = randomCritic(g, sizes);
    const x = randomTensor(g, [8, sizes[0]!]);
    mlpForward(x, critic, "leaky-relu").sum().backward();
    const composed = noGrad(() => leakyMlpInputGradient(x.detach(), critic));
    assert.deepEqual(composed.shape, x.shape);
    // float64: the two are the same sums in a different order
    assertClose(composed.toArray(), x.grad!.toArray(), { atol: 1e-12, rtol: 1e-10 }, `∇x, sizes ${sizes}`);
  }
});

test("gradient penalty: weight gradients match central differences (double backward by composition)", () => {
  const g = new Generator(22);
  const critic = randomCritic(g, [4, 6, 5, 1]);
  const x = randomTensor(g, [7, 4], { grad: false });
  const rebuild = (ws: Tensor[]): AffineWeights[] => critic.map((l, i) => ({ weight: ws[i]!, bias: l.bias }));
  // the penalty is piecewise smooth in the weights; eps 1e-6 stays on one piece for random inputs
  gradCheck(
    "gradientPenalty",
    (...ws) => gradientPenalty(x, rebuild(ws), 10),
    critic.map((l) => l.weight),
    g,
  );
  const p0 = gradientPenalty(x, critic, 10).item();
  assert.ok(p0 > 0, "penalty of a random critic is positive");
  // ∇_x f does not depend on the biases except through the (piecewise constant) masks: zero derivative
  const b = critic[0]!.bias!;
  for (let i = 0; i < b.size; i++) {
    const v = b.data[i]!;
    b.data[i] = v + 1e-6;
    const moved = gradientPenalty(x, critic, 10).item();
    b.data[i] = v;
    assertClose([moved], [p0], { atol: 1e-12, rtol: 1e-12 }, `penalty after moving bias ${i}`);
  }
});

test("interpolates lie on the segments between real and generated rows", () => {
  const g = new Generator(23);
  const a = randomTensor(g, [6, 3], { grad: false }),
    b = randomTensor(g, [6, 3], { grad: false });
  const h = interpolates(a, b, g).toArray(),
    av = a.toArray(),
    bv = b.toArray();
  for (let r = 0; r < 6; r++) {
    // one ε per row: x̂ − x̃ = ε(x − x̃) for each column
    const eps = (h[r * 3]! - bv[r * 3]!) / (av[r * 3]! - bv[r * 3]!);
    assert.ok(eps >= 0 && eps <= 1, `row ${r}: ε = ${eps}`);
    for (let c = 1; c < 3; c++)
      assertClose(
        [h[r * 3 + c]!],
        [bv[r * 3 + c]! + eps * (av[r * 3 + c]! - bv[r * 3 + c]!)],
        { atol: 1e-9, rtol: 1e-9 },
        "x̂",
      );
  }
});

test("wgan-gp: critic phase repeated n_critic times, its loss includes the penalty, one step runs", () => {
  const data = { dim: 6, shape: [1, 2, 3] as [number, number, number] };
  const m = new WGANGP(
    { ...wganOptions.parse({}), noiseDim: 3, generatorHidden: [5], criticHidden: [4] },
    data,
    new Generator(1),
  );
  const [c, gen] = m.trainingPhases();
  assert.equal(c!.repeat, 5);
  const x = randomTensor(new Generator(2), [5, 6], { low: 0, high: 1, grad: false, dtype: "float32" });
  const lossWith = c!.loss(x, { generator: new Generator(3), step: 0, epoch: 0 }).item();
  const noPenalty = new WGANGP({ ...m.config, penalty: 1e-12 }, data, new Generator(1));
  const lossWithout = noPenalty
    .trainingPhases()[0]!
    .loss(x, { generator: new Generator(3), step: 0, epoch: 0 })
    .item();
  // same weights and draws: the difference is λ·E[(‖∇f‖ − 1)²] > 0 (float32 tolerance)
  assert.ok(lossWith > lossWithout + 1e-4, `penalty missing: ${lossWith} vs ${lossWithout}`);
  assert.ok(Number.isFinite(gen!.loss(x, { generator: new Generator(4), step: 0, epoch: 0 }).item()));
});

test("dcgan: benchmark architecture's parameter count, image shapes, batch-independent samples, one step", () => {
  const data = { dim: 784, shape: [1, 28, 28] as [number, number, number] };
  const big = new DCGAN(dcganOptions.parse({}), data, new Generator(1));
  // G: Linear 100→6272, BN1d(6272), ConvT 128→64 k4, BN2d(64), ConvT 64→1 k4;
  // D: Conv 1→64 k4, Conv 64→128 k4, BN2d(128), Linear 6272→1 (the PyTorch peer's counts)
  const gCount = 100 * 6272 + 6272 + 2 * 6272 + 128 * 64 * 16 + 64 + 2 * 64 + 64 * 16 + 1;
  const dCount = 16 * 64 + 64 + 64 * 128 * 16 + 128 + 2 * 128 + 6272 + 1;
  assert.equal(big.generatorNet.parameterCount(), gCount);
  assert.equal(big.discriminatorNet.parameterCount(), dCount);

  const m = new DCGAN({ ...dcganOptions.parse({}), noiseDim: 8, width: 4 }, data, new Generator(2));
  const x = randomTensor(new Generator(3), [4, 784], { low: 0, high: 1, grad: false, dtype: "float32" });
  assert.deepEqual(m.score(x).shape, [4]);
  const phases = m.trainingPhases();
  for (const ph of phases) {
    const loss = ph.loss(x, { generator: new Generator(4), step: 0, epoch: 0 });
    loss.backward();
    assert.ok(Number.isFinite(loss.item()), `${ph.name} loss`);
    assert.ok(
      ph.parameters.every((p) => p.grad !== null),
      `${ph.name}: a parameter got no gradient`,
    );
  }
  const s8 = m.sample(8, new Generator(5)).toArray(),
    s3 = m.sample(3, new Generator(5)).toArray();
  assert.ok(
    s8.every((v) => v >= 0 && v <= 1),
    "samples outside [0, 1]",
  );
  // running statistics in sampling: the first 3 of 8 equal 3 drawn alone (same noise); float32 tolerance
  assertClose(s3, s8.slice(0, 3 * 784), { atol: 1e-6, rtol: 1e-5 }, "sample rows");
  assert.ok(m.generatorNet.training, "sampling left the generator in eval mode");
  // sizes that are not multiples of 4: padded for D, cropped from G
  const odd = new DCGAN({ ...m.config }, { dim: 35, shape: [1, 5, 7] }, new Generator(6));
  assert.deepEqual(odd.sample(2, new Generator(7)).shape, [2, 35]);
  assert.deepEqual(odd.score(randomTensor(new Generator(8), [2, 35], { grad: false, dtype: "float32" })).shape, [2]);
});

test("gan, dcgan and wgan-gp recipes train on 8-bit MNIST in [0, 1], the data their sigmoid output can match", () => {
  for (const name of ["gan", "dcgan", "wgan-gp"]) {
    const spec = getModelSpec(name);
    for (const r of [spec.recipe, ...Object.values(spec.recipes ?? {})]) {
      const info = datasetInfo(r.dataset);
      assert.equal(info.binarization, "none", `${name}'s recipe trains on ${r.dataset} (${info.binarization})`);
    }
  }
});

test("dcgan discriminatorLr: D's optimizer steps at that multiple of the recipe's (scheduled) rate, G's at 1×", () => {
  const data = { dim: 64, shape: [1, 8, 8] as [number, number, number] };
  const factor = 1.5 + 3 * Math.random();
  const m = new DCGAN(
    { ...dcganOptions.parse({}), noiseDim: 4, width: 4, discriminatorLr: factor },
    data,
    new Generator(9),
  );
  const [d, g] = m.trainingPhases();
  assert.equal(d!.name, "discriminator");
  assert.equal(d!.lrFactor, factor);
  const training: Recipe = {
    dataset: "synthetic",
    epochs: 1,
    batchSize: 8,
    lr: 1e-3,
    schedule: { kind: "linear-decay", total: 10, holdSteps: 0 },
  };
  const split = {
    name: "train" as const,
    n: 8,
    dim: 64,
    shape: data.shape,
    values: new Float32Array(512),
    labels: null,
  };
  const trainer = new Trainer({
    model: m,
    dataset: { name: "synthetic", binarization: "fixed", source: "memory", split: () => split },
    runDir: tempDir("deepgen-ttur-"),
    training,
    seed: 1,
  });
  const x = randomTensor(new Generator(10), [8, 64], { low: 0, high: 1, grad: false, dtype: "float32" });
  trainer.trainStep(x, { generator: new Generator(11), step: 4, epoch: 0 });
  // linear decay to 0 over 10 steps: 0.6 of the rate at step 4 (float64 arithmetic: 1e-15 relative)
  const [dOpt, gOpt] = trainer.optimizers;
  assert.ok(Math.abs(dOpt!.lr - 1e-3 * 0.6 * factor) <= 1e-15, `D's rate ${dOpt!.lr}`);
  assert.ok(Math.abs(gOpt!.lr - 1e-3 * 0.6) <= 1e-15, `G's rate ${gOpt!.lr}`);
  assert.equal(g!.lrFactor ?? 1, 1);
  // the epoch record's lr is the recipe's rate, each phase's own under phase_lr
  const { lr, phase_lr } = trainer.rates();
  assert.ok(Math.abs(lr - 1e-3 * 0.6) <= 1e-15, `recorded rate ${lr}`);
  assert.deepEqual(phase_lr, { discriminator: dOpt!.lr, generator: gOpt!.lr });
});
