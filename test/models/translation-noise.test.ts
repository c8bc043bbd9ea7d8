/**
 * CycleGAN's generator noise (`generatorNoise` k): G: A → B reads k per-image normal values beside its input, each a
 * constant channel, drawn from the step's generator in training and from a fixed seed when translating; F reads none.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, type Tensor } from "../../src/index.js";
import { CycleGAN, options } from "../../src/models/translation/cyclegan.js";
import { ConvTranspose2d } from "../../src/nn/conv.js";
import { ConvTranslator, instanceNorm } from "../../src/models/translation/nets.js";
import { randomTensor } from "../helpers.js";

const DATA = { dim: 4 * 784, shape: [4, 28, 28] as [number, number, number] };
const model = (o: object, seed = 1): CycleGAN =>
  new CycleGAN(options.parse({ width: 4, discriminatorWidth: 4, blocks: 0, ...o }), DATA, new Generator(seed));
const images = (g: Generator, n: number): Tensor =>
  randomTensor(g, [n, 3, 28, 28], { dtype: "float32", low: 0, high: 1, grad: false });
/** the largest |x − y| over two tensors' values */
const gap = (x: Tensor, y: Tensor): number => {
  const u = x.toArray(),
    v = y.toArray();
  return Math.max(...u.map((w, i) => Math.abs(w - v[i]!)));
};

test("generator noise: another draw of z changes G(a); the same seed gives the same G(a); F reads no noise", () => {
  const m = model({ generatorNoise: 3 });
  assert.deepEqual(m.genAB.down1.weight.shape.slice(0, 2), [4, 6], "G's first conv reads 3 image + 3 noise channels");
  assert.deepEqual(m.genBA.down1.weight.shape.slice(0, 2), [4, 3], "F's reads the image alone");
  const a = images(new Generator(2), 2);
  // exact equality for one seed (the same float32 operations); other noise moves sigmoid outputs by far more than
  // 1e-3 (measured ~0.1 at seed 1)
  assert.equal(gap(m.G(a, new Generator(5)), m.G(a, new Generator(5))), 0);
  assert.ok(gap(m.G(a, new Generator(5)), m.G(a, new Generator(6))) > 1e-3, "z changes G(a)");
  assert.equal(gap(m.F(a), m.map(a, "b-to-a", new Generator(6))), 0, "F draws nothing");
  // translate (no generator) is reproducible, and equals G with a generator of the fixed seed 0
  const flat = a.reshape([2, 3 * 784]);
  assert.equal(gap(m.translate(flat, "a-to-b"), m.translate(flat, "a-to-b")), 0);
  assert.ok(gap(m.translate(flat, "a-to-b").reshape([2, 3, 28, 28]), m.G(a, new Generator(0))) < 1e-6);
  assert.throws(() => m.genAB.forward(a), /2 images need noise \[2, 3\], not none/);
});

test("generator noise: z enters as constant channels after the image's; 0 channels ignore the generator", () => {
  const g = new Generator(3);
  const x = images(g, 1);
  const t = new ConvTranslator(3, 4, 0, new Generator(4), { noiseChannels: 2 });
  const z = randomTensor(g, [1, 2], { dtype: "float32", low: -1, high: 1, grad: false });
  // the forward pass restated on the image with z's values written out as two constant 28 × 28 channels
  const input = randomTensor(g, [1, 5, 28, 28], { dtype: "float32", grad: false });
  input.data.set([
    ...x.toArray(),
    ...Array<number>(784).fill(z.toArray()[0]!),
    ...Array<number>(784).fill(z.toArray()[1]!),
  ]);
  const h = instanceNorm(t.down2.forward(instanceNorm(t.down1.forward(input)).relu())).relu();
  const want = (t.up2 as ConvTranspose2d).forward(instanceNorm((t.up1 as ConvTranspose2d).forward(h)).relu());
  // float32, the same kernels on the same values: 1e-5
  assert.ok(gap(t.forward(x, z), want.add(t.skip!.forward(x))) < 1e-5);
  const quiet = model({});
  assert.equal(gap(quiet.G(x, new Generator(5)), quiet.G(x, new Generator(6))), 0, "no noise: G is deterministic");
});

test("generator noise in training: the generators' loss draws z from the step's generator", () => {
  const m = model({ generatorNoise: 2, cycleNoise: 0 });
  const g = new Generator(7);
  const a = images(g, 2),
    b = images(g, 2);
  const l5 = m.generatorLoss(a, b, new Generator(5)).item();
  assert.equal(l5, m.generatorLoss(a, b, new Generator(5)).item(), "a seeded step is reproducible");
  assert.notEqual(l5, m.generatorLoss(a, b, new Generator(6)).item(), "another seed draws another z");
  const d5 = m.discriminatorLoss(a, b).item();
  assert.equal(d5, m.discriminatorLoss(a, b).item(), "without a generator, the fixed seed");
});
