/**
 * DCGAN with InfoGAN's categorical code (`codes`): G takes c through the same per-value vector as a class label, D's
 * head Q reads c back from its last features, both phases add λ·mean(−log Q(c | G(z, c))) and read no labels, the
 * codes are drawn uniformly after z in training and sampling, and a short run on unlabelled images of four kinds
 * gives each kind its own code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, noGrad, rand, tensor, type Tensor } from "../../src/index.js";
import { DCGAN, options as dcganOptions } from "../../src/models/adversarial/dcgan.js";
import { isClassConditional } from "../../src/models/base.js";
import { Adam } from "../../src/optim/adam.js";
import { assertClose, randomTensor } from "../helpers.js";

const data = { dim: 64, shape: [1, 8, 8] as [number, number, number] };
const config = (o: Record<string, unknown>) => ({ ...dcganOptions.parse({}), width: 4, ...o });
const images = (seed: number, n: number) =>
  randomTensor(new Generator(seed), [n, 64], { low: 0, high: 1, grad: false, dtype: "float32" });

/** −mean log softmax(logits)[c], by hand in float64 */
function crossEntropyByHand(logits: number[], codes: Int32Array, k: number): number {
  let sum = 0;
  for (let i = 0; i < codes.length; i++) {
    const row = logits.slice(i * k, (i + 1) * k),
      m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    sum += lse - row[codes[i]!]!;
  }
  return sum / codes.length;
}

test("InfoGAN's D: Q's logits are a linear head on the features that give D's logit, in the same pass", () => {
  const m = new DCGAN(config({ codes: 5 }), data, new Generator(1));
  assert.equal(isClassConditional(m), false, "a model with codes reads no labels");
  assert.equal(m.latentCodes, 5);
  const x = images(2, 6);
  noGrad(() => {
    const d = m.discriminatorNet;
    const fcForward = d.fc.forward.bind(d.fc);
    let phi: Tensor | null = null;
    d.fc.forward = (t: Tensor): Tensor => ((phi = t), fcForward(t));
    const { logit, codeLogits } = d.forwardWithCodes(x);
    assert.ok(phi !== null && codeLogits !== null);
    const f = (phi as Tensor).toArray(),
      W = d.q!.weight, // [codes, features]
      b = d.q!.bias!.toArray(),
      nf = f.length / 6;
    const expected: number[] = [];
    for (let i = 0; i < 6; i++)
      for (let c = 0; c < 5; c++) {
        let s = b[c]!;
        for (let j = 0; j < nf; j++) s += f[i * nf + j]! * W.data[c * nf + j]!;
        expected.push(s);
      }
    assertClose(codeLogits.toArray(), expected, { atol: 1e-4, rtol: 1e-4 }, "Q's logits");
    assert.deepEqual(logit.toArray(), m.score(x).toArray(), "D's logit is the one score() gives");
  });
});

test("qHidden puts the paper's hidden layer in Q: FC, batch norm on the batch, LeakyReLU 0.2, then the logits", () => {
  const plain = new DCGAN(config({ codes: 5 }), data, new Generator(1)),
    deep = new DCGAN(config({ codes: 5, qHidden: 7 }), data, new Generator(1));
  const names = (m: DCGAN) => m.namedParameters().map(([n, p]) => `${n} ${p.shape}`);
  // two layers more before q, whose input narrows to the hidden layer
  const extra = names(deep).filter((n) => !names(plain).includes(n));
  assert.deepEqual(extra.sort(), [
    "discriminator.q.weight 5,7",
    "discriminator.qBn.bias 7",
    "discriminator.qBn.weight 7",
    "discriminator.qHidden.bias 7",
    `discriminator.qHidden.weight 7,${
      names(plain)
        .find((n) => n.startsWith("discriminator.q.weight"))!
        .split(",")[1]
    }`,
  ]);
  const d = deep.discriminatorNet,
    x = images(2, 6);
  // random gains and shifts, so that the batch norm's affine part is checked too
  const g = new Generator(3);
  d.qBn!.weight!.data.set(rand([7], { generator: g, low: 0.5, high: 1.5 }).data);
  d.qBn!.bias!.data.set(rand([7], { generator: g, low: -0.5, high: 0.5 }).data);
  noGrad(() => {
    const fcForward = d.fc.forward.bind(d.fc);
    let phi: Tensor | null = null;
    d.fc.forward = (t: Tensor): Tensor => ((phi = t), fcForward(t));
    const { codeLogits } = d.forwardWithCodes(x);
    assert.equal(d.forwardWithCodes(x, null, false).codeLogits, null, "no Q without withCodes");
    const f = (phi as unknown as Tensor).toArray(),
      nf = f.length / 6;
    const W1 = d.qHidden!.weight.data,
      b1 = d.qHidden!.bias!.data,
      W2 = d.q!.weight.data,
      b2 = d.q!.bias!.data;
    const gamma = d.qBn!.weight!.data,
      beta = d.qBn!.bias!.data;
    const h = [0, 1, 2, 3, 4, 5].map((i) =>
      [0, 1, 2, 3, 4, 5, 6].map((u) => {
        let s = b1[u]!;
        for (let j = 0; j < nf; j++) s += f[i * nf + j]! * W1[u * nf + j]!;
        return s;
      }),
    );
    const expected: number[] = [];
    const a = h.map((row) => row.slice());
    for (let u = 0; u < 7; u++) {
      const col = h.map((row) => row[u]!),
        mean = col.reduce((s, v) => s + v, 0) / 6,
        variance = col.reduce((s, v) => s + (v - mean) ** 2, 0) / 6; // the batch's biased variance
      for (let i = 0; i < 6; i++) {
        const y = ((h[i]![u]! - mean) / Math.sqrt(variance + 1e-5)) * gamma[u]! + beta[u]!;
        a[i]![u] = y > 0 ? y : 0.2 * y;
      }
    }
    for (let i = 0; i < 6; i++)
      for (let c = 0; c < 5; c++) {
        let s = b2[c]!;
        for (let u = 0; u < 7; u++) s += a[i]![u]! * W2[c * 7 + u]!;
        expected.push(s);
      }
    assertClose(codeLogits!.toArray(), expected, { atol: 1e-4, rtol: 1e-4 }, "Q's logits through its hidden layer");
  });
  // every parameter of the deeper Q learns from the information term
  for (const ph of deep.trainingPhases()) {
    ph.loss(x, { generator: new Generator(5), step: 0, epoch: 0 }).backward();
    const dead = ph.parameters.filter((p) => p.grad === null || p.grad.toArray().every((v) => v === 0));
    assert.equal(dead.length, 0, `${ph.name}: ${dead.length} parameters got no gradient`);
  }
});

test("both phases add λ·CE(Q(G(z, c)), c) with c drawn after z; no labels needed; every parameter learns", () => {
  const k = 4;
  const x = images(3, 8);
  const losses: Record<string, number[]> = {};
  for (const lambda of [1, 3]) {
    const m = new DCGAN(config({ noiseDim: 5, codes: k, infoWeight: lambda }), data, new Generator(4));
    for (const ph of m.trainingPhases()) {
      const loss = ph.loss(x, { generator: new Generator(5), step: 0, epoch: 0 });
      loss.backward();
      assert.ok(
        ph.parameters.every((p) => p.grad !== null && p.grad.toArray().some((v) => v !== 0)),
        `${ph.name}: a parameter got no gradient`,
      );
      (losses[ph.name] ??= []).push(loss.item());
    }
    // the same draws by hand: z, then the codes, from the phase's generator
    const g = new Generator(5),
      z = m.noise(8, g),
      c = g.integers(8, k);
    noGrad(() => {
      const fake = m.generate(z, c);
      const f = m.discriminatorNet.forwardWithCodes(fake);
      const info = crossEntropyByHand(f.codeLogits!.toArray(), c, k);
      const real = m.score(x).toArray(),
        fl = f.logit.toArray();
      const softplus = (v: number) => Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);
      const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      const dLoss = mean(real.map((v) => softplus(-v))) + mean(fl.map(softplus)) + lambda * info;
      const gLoss = mean(fl.map((v) => softplus(-v))) + lambda * info;
      assertClose([losses.discriminator!.at(-1)!], [dLoss], { atol: 1e-4, rtol: 1e-4 }, `D phase, λ = ${lambda}`);
      assertClose([losses.generator!.at(-1)!], [gLoss], { atol: 1e-4, rtol: 1e-4 }, `G phase, λ = ${lambda}`);
    });
  }
  // the loss is linear in λ, and the information term is not zero
  assert.ok(losses.generator![1]! - losses.generator![0]! > 0.1, `G-phase losses ${losses.generator}`);
});

test("sampling draws the codes uniformly after z; classes and codes together are an error", () => {
  const m = new DCGAN(config({ noiseDim: 5, codes: 3, init: "uniform" }), data, new Generator(6));
  const s = m.sample(7, new Generator(7)).toArray();
  const g = new Generator(7),
    z = m.noise(7, g),
    c = g.integers(7, 3);
  m.generatorNet.eval();
  const byHand = noGrad(() => m.generate(z, c)).toArray();
  m.generatorNet.train();
  assert.deepEqual(s, byHand);
  const other = noGrad(() =>
    m.generate(
      z,
      c.map((v) => (v + 1) % 3),
    ),
  ).toArray();
  assert.ok(
    s.some((v, i) => Math.abs(v - other[i]!) > 1e-3),
    "the code does not reach the image",
  );
  assert.throws(() => new DCGAN(config({ classes: 2, codes: 2 }), data, new Generator(8)), /cannot both be set/);
  assert.throws(() => m.generate(z, Int32Array.from([0, 1, 2, 3, 0, 1, 2])), /label 3/);
});

/** Four kinds of 8×8 images that differ only in where the ink is: quadrant q (0 top left, …, 3 bottom right). */
const quadrant = (p: number): number => (Math.floor(p / 8) < 4 ? 0 : 2) + (p % 8 < 4 ? 0 : 1);

function quadrants(n: number, g: Generator): Tensor {
  const u = rand([n * 65], { generator: g }).data;
  const v = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    const q = Math.min(3, Math.floor(4 * u[n * 64 + i]!));
    for (let p = 0; p < 64; p++) v[i * 64 + p] = (quadrant(p) === q ? 0.7 : 0) + 0.3 * u[i * 64 + p]!;
  }
  return tensor(v, [n, 64]);
}

test("a short InfoGAN run on unlabelled images of four kinds gives each kind its own code", () => {
  const m = new DCGAN(config({ noiseDim: 8, codes: 4 }), data, new Generator(14));
  const [dPhase, gPhase] = m.trainingPhases();
  const optD = new Adam(dPhase!.parameters, { lr: 2e-3, betas: [0.5, 0.999] }),
    optG = new Adam(gPhase!.parameters, { lr: 2e-3, betas: [0.5, 0.999] });
  const g = new Generator(15);
  for (let step = 0; step < 200; step++) {
    const x = quadrants(32, g);
    for (const [ph, opt] of [
      [dPhase!, optD],
      [gPhase!, optG],
    ] as const) {
      opt.zeroGrad();
      ph.loss(x, { generator: g, step, epoch: 0 }).backward();
      opt.step();
    }
  }
  // the quadrant each code's samples ink most (mean over 100 samples a code), and by how much
  const n = 100,
    s = new Float32Array(4 * n * 64);
  m.generatorNet.eval();
  for (let c = 0; c < 4; c++) {
    const x = noGrad(() => m.generate(m.noise(n, new Generator(16 + c)), new Int32Array(n).fill(c)));
    s.set(x.toArray(), c * n * 64);
  }
  const ink = [0, 1, 2, 3].map((c) => {
    const perQuadrant = [0, 0, 0, 0];
    for (let i = 0; i < n; i++)
      for (let p = 0; p < 64; p++) perQuadrant[quadrant(p)]! += s[(c * n + i) * 64 + p]! / (n * 16);
    return perQuadrant;
  });
  const own = ink.map((q) => q.indexOf(Math.max(...q)));
  // the data's quadrants differ by 0.7; codes that G ignored would all ink the same mix of quadrants
  assert.deepEqual([...own].sort(), [0, 1, 2, 3], `each code's quadrant: ${own} (ink ${JSON.stringify(ink)})`);
  const margins = ink.map((q, c) => q[own[c]!]! - (q.reduce((a, v) => a + v, 0) - q[own[c]!]!) / 3);
  assert.ok(
    margins.every((d) => d > 0.3),
    `own-quadrant margin per code: ${margins.map((d) => d.toFixed(3))}`,
  );
});

test("codeInit rescales only G's code vectors: N(0, 0.02²) → N(0, codeInit²) from the same draw", () => {
  const a = new DCGAN(config({ codes: 10 }), data, new Generator(20)),
    b = new DCGAN(config({ codes: 10, codeInit: 0.2 }), data, new Generator(20));
  const pb = new Map(b.namedParameters());
  for (const [name, p] of a.namedParameters()) {
    const q = pb.get(name)!.toArray();
    if (name === "generator.embed.weight")
      assertClose(
        q,
        p.toArray().map((v) => 10 * v),
        { atol: 1e-7, rtol: 1e-5 },
        name,
      );
    else assert.deepEqual(q, p.toArray(), name);
  }
  const w = b.generatorNet.embed!.weight.toArray();
  const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
  assert.ok(Math.abs(std - 0.2) < 0.01, `code vectors' std ${std} (${w.length} draws)`);
});
