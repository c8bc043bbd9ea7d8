/**
 * The class-conditional DCGAN: G's class vector is the same as feeding z concatenated with the one-hot label,
 * D's logit gains exactly ⟨e_y, φ(x)⟩ (projection discriminator), the training phases take the batch's labels,
 * sampling draws the classes in turn when none are given, and a short training run on four classes that differ only
 * in where the ink is learns to draw each class where its ink belongs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, noGrad, rand, tensor, type Tensor } from "../../src/index.js";
import { DCGAN, options as dcganOptions } from "../../src/models/adversarial/dcgan.js";
import { isClassConditional } from "../../src/models/base.js";
import { concat, oneHot } from "../../src/ops/movement.js";
import { Adam } from "../../src/optim/adam.js";
import { assertClose, randomTensor } from "../helpers.js";

const data = { dim: 64, shape: [1, 8, 8] as [number, number, number] };
const config = (o: Record<string, unknown>) => ({ ...dcganOptions.parse({}), width: 4, ...o });

/** Copies every parameter and buffer of `from` whose name `to` also has (same shape) into `to`. */
function copyShared(from: DCGAN, to: DCGAN, skip: string[] = []): void {
  const dst = new Map([...to.namedParameters(), ...to.namedBuffers()]);
  for (const [name, t] of [...from.namedParameters(), ...from.namedBuffers()]) {
    const d = dst.get(name);
    if (d && !skip.includes(name)) d.data.set(t.data);
  }
}

test("conditional G: a class vector in the first layer is z concatenated with the one-hot label", () => {
  const k = 3;
  const cond = new DCGAN(config({ noiseDim: 6, classes: k }), data, new Generator(1));
  const plain = new DCGAN(config({ noiseDim: 6 + k }), data, new Generator(2));
  copyShared(cond, plain, ["generator.fc.weight"]);
  // plain's fc weight [F, 6 + k] = [cond's fc weight | cond's class vectors]
  const wf = cond.generatorNet.fc.weight,
    we = cond.generatorNet.embed!.weight,
    F = wf.shape[0]!;
  const w = plain.generatorNet.fc.weight.data;
  for (let r = 0; r < F; r++)
    for (let c = 0; c < 6 + k; c++) w[r * (6 + k) + c] = c < 6 ? wf.data[r * 6 + c]! : we.data[r * k + c - 6]!;
  const z = randomTensor(new Generator(3), [5, 6], { grad: false, dtype: "float32" });
  const labels = Int32Array.from([0, 2, 1, 2, 0]);
  noGrad(() => {
    const a = cond.generate(z, labels).toArray();
    const b = plain.generate(concat([z, oneHot(labels, k)], 1)).toArray();
    assertClose(a, b, { atol: 1e-5, rtol: 1e-4 }, "G(z, y) vs G'([z, onehot(y)])");
    const other = cond.generate(z, Int32Array.from([1, 0, 0, 1, 2])).toArray();
    assert.ok(
      a.some((v, i) => Math.abs(v - other[i]!) > 1e-3),
      "the label does not reach the output",
    );
  });
});

test("conditional D: the logit is the unconditional one plus ⟨e_y, φ(x)⟩ (projection)", () => {
  const k = 4;
  const cond = new DCGAN(config({ classes: k }), data, new Generator(5));
  const plain = new DCGAN(config({}), data, new Generator(6));
  copyShared(cond, plain);
  const x = randomTensor(new Generator(7), [6, 64], { low: 0, high: 1, grad: false, dtype: "float32" });
  const y = Int32Array.from([3, 0, 1, 1, 2, 3]);
  noGrad(() => {
    const d = cond.discriminatorNet;
    // φ(x): D's last features, the input of its final linear layer, caught on their way in
    const fcForward = d.fc.forward.bind(d.fc);
    let phi: Tensor | null = null;
    d.fc.forward = (t: Tensor): Tensor => ((phi = t), fcForward(t));
    const logits = cond.score(x, y).toArray();
    assert.ok(phi !== null, "D's last layer was not called");
    const f = (phi as Tensor).toArray(),
      E = d.embed!.weight; // [features, classes]
    const nf = f.length / 6;
    assert.equal(nf, 2 * 4 * 2 * 2, "φ has 2·width·(H/4)·(W/4) features");
    const expected = plain
      .score(x)
      .toArray()
      .map((u, i) => {
        let dot = 0;
        for (let j = 0; j < nf; j++) dot += f[i * nf + j]! * E.data[j * k + y[i]!]!;
        return u + dot;
      });
    assertClose(logits, expected, { atol: 1e-4, rtol: 1e-4 }, "projection logit");
  });
});

test("conditional phases take the batch's labels, every parameter gets a gradient; no labels is an error", () => {
  const m = new DCGAN(config({ noiseDim: 5, classes: 3 }), data, new Generator(8));
  assert.ok(isClassConditional(m) && m.classes === 3);
  assert.ok(!isClassConditional(new DCGAN(config({}), data, new Generator(8))), "classes 0 is unconditional");
  const x = randomTensor(new Generator(9), [6, 64], { low: 0, high: 1, grad: false, dtype: "float32" });
  const labels = Int32Array.from([0, 1, 2, 2, 1, 0]);
  for (const ph of m.trainingPhases()) {
    const loss = ph.loss(x, { generator: new Generator(10), step: 0, epoch: 0, labels });
    loss.backward();
    assert.ok(Number.isFinite(loss.item()), `${ph.name} loss`);
    assert.ok(
      ph.parameters.every((p) => p.grad !== null),
      `${ph.name}: a parameter (the class vectors included) got no gradient`,
    );
    assert.throws(() => ph.loss(x, { generator: new Generator(10), step: 0, epoch: 0 }), /needs labels/);
  }
  const z = randomTensor(new Generator(11), [2, 5], { dtype: "float32" });
  assert.throws(() => m.generate(z, Int32Array.from([0, 3])), /label 3/);
});

test("conditional sampling: the classes in turn by default, the given labels otherwise", () => {
  // the layers' own initialisation: under N(0, 0.02²) an untrained G's output barely moves with anything
  const m = new DCGAN(config({ noiseDim: 5, classes: 3, init: "uniform" }), data, new Generator(12));
  const byDefault = m.sample(6, new Generator(13)).toArray();
  const inTurn = m.sample(6, new Generator(13), { labels: Int32Array.from([0, 1, 2, 0, 1, 2]) }).toArray();
  assert.deepEqual(byDefault, inTurn);
  const zeros = m.sample(6, new Generator(13), { labels: new Int32Array(6) }).toArray();
  assert.ok(
    byDefault.slice(64).some((v, i) => Math.abs(v - zeros[64 + i]!) > 1e-3),
    "labels ignored in sampling",
  );
  assert.deepEqual(byDefault.slice(0, 64), zeros.slice(0, 64), "row 0 has label 0 both times");
});

/** Four classes of 8×8 images that differ only in where the ink is: quadrant y (0 top left, …, 3 bottom right). */
const quadrant = (p: number): number => (Math.floor(p / 8) < 4 ? 0 : 2) + (p % 8 < 4 ? 0 : 1);

function quadrants(n: number, g: Generator): { x: Tensor; labels: Int32Array } {
  const u = rand([n * 65], { generator: g }).data;
  const labels = Int32Array.from({ length: n }, (_, i) => Math.min(3, Math.floor(4 * u[n * 64 + i]!)));
  const v = new Float32Array(n * 64);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < 64; p++) v[i * 64 + p] = (quadrant(p) === labels[i] ? 0.7 : 0) + 0.3 * u[i * 64 + p]!;
  return { x: tensor(v, [n, 64]), labels };
}

test("a short conditional training run draws each class's ink in its own quadrant", () => {
  const m = new DCGAN(config({ noiseDim: 8, classes: 4 }), data, new Generator(14));
  const [dPhase, gPhase] = m.trainingPhases();
  const optD = new Adam(dPhase!.parameters, { lr: 2e-3, betas: [0.5, 0.999] }),
    optG = new Adam(gPhase!.parameters, { lr: 2e-3, betas: [0.5, 0.999] });
  const g = new Generator(15);
  for (let step = 0; step < 200; step++) {
    const { x, labels } = quadrants(32, g);
    for (const [ph, opt] of [
      [dPhase!, optD],
      [gPhase!, optG],
    ] as const) {
      opt.zeroGrad();
      ph.loss(x, { generator: g, step, epoch: 0, labels }).backward();
      opt.step();
    }
  }
  // per class: mean value in its own quadrant minus the mean over the other three, over 100 samples each
  const n = 400;
  const s = m.sample(n, new Generator(16)).toArray(); // labels 0, 1, 2, 3, 0, … by default
  const margin = [0, 0, 0, 0];
  for (let i = 0; i < n; i++)
    for (let p = 0; p < 64; p++) margin[i % 4]! += ((quadrant(p) === i % 4 ? 1 : -1 / 3) * s[i * 64 + p]!) / (100 * 16);
  // the data's margin is 0.7; a generator that ignored its label, or drew the classes in a permuted order (an
  // unconditional discriminator leaves the order free), puts at least one class's ink elsewhere
  assert.ok(
    margin.every((d) => d > 0.3),
    `own-quadrant margin per class: ${margin.map((d) => d.toFixed(3))}`,
  );
});
