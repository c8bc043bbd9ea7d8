/**
 * DCGAN runs each ReLU and LeakyReLU(0.2) inside the layer before it (its batch norms, the discriminator's first
 * convolution). Its networks must equal the unfused composition written with separate ops on the same weights —
 * batch norm, then relu/leakyRelu; the convolution, then leakyRelu — in training (batch statistics) and eval (running
 * statistics), values to 1e-5 and every parameter's gradient to 1e-4 (float32, the default backend; random images,
 * noise, gains, biases and running statistics). The state entries are the plain layers', so old checkpoints load.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, batchNormTrain, conv2d, randn, type Tensor } from "../../src/index.js";
import { DCGAN, options as dcganOptions } from "../../src/models/adversarial/dcgan.js";
import type { BatchNorm } from "../../src/nn/layers.js";
import { assertClose, randomTensor } from "../helpers.js";

const data = { dim: 784, shape: [1, 28, 28] as [number, number, number] };
const slope = 0.2;

/** batch norm with separate ops: the fused op without its activation in training, the running statistics in eval. */
function plainBatchNorm(bn: BatchNorm, x: Tensor, training: boolean): Tensor {
  if (training) return batchNormTrain(x, bn.weight, bn.bias, bn.eps).y;
  const shape = x.ndim === 2 ? [1, bn.numFeatures] : [1, bn.numFeatures, 1, 1];
  return x
    .sub(bn.runningMean.reshape(shape))
    .div(bn.runningVar.add(bn.eps).sqrt().reshape(shape))
    .mul(bn.weight!.reshape(shape))
    .add(bn.bias!.reshape(shape));
}

function plainGenerator(m: DCGAN, z: Tensor, training: boolean): Tensor {
  const G = m.generatorNet,
    n = z.shape[0]!;
  const h = plainBatchNorm(G.bn0, G.fc.forward(z), training).relu().reshape([n, 128, 7, 7]);
  return G.up2.forward(plainBatchNorm(G.bn1, G.up1.forward(h), training).relu()).reshape([n, 784]);
}

function plainDiscriminator(m: DCGAN, x: Tensor, training: boolean): Tensor {
  const D = m.discriminatorNet,
    n = x.shape[0]!,
    k4s2p1 = { stride: 2, padding: 1 };
  const h1 = conv2d(x.reshape([n, 1, 28, 28]), D.conv1.weight, D.conv1.bias, k4s2p1).leakyRelu(slope);
  const h2 = plainBatchNorm(D.bn2, D.conv2.forward(h1), training).leakyRelu(slope);
  return D.fc.forward(h2.reshape([n, h2.size / n])).reshape([n]);
}

/** Values and every parameter's gradient of Σ out ⊙ w. */
function run(m: DCGAN, out: () => Tensor, g: Generator): { values: number[]; grads: number[][] } {
  m.parameters().forEach((p) => p.zeroGrad());
  const y = out();
  y.mul(randomTensor(g, [...y.shape], { dtype: "float32", grad: false }))
    .sum()
    .backward();
  return { values: y.toArray(), grads: m.parameters().map((p) => (p.grad ? p.grad.toArray() : [])) };
}

for (const training of [true, false])
  test(
    `dcgan ${training ? "training" : "eval"}: fused activations equal the unfused composition ` +
      "(values atol 1e-5 + rtol 1e-5, gradients atol 1e-4 + rtol 1e-4)",
    () => {
      const g = new Generator(3);
      const m = new DCGAN(dcganOptions.parse({}), data, g);
      // random running statistics, so eval mode is not the identity normalisation
      for (const bn of [m.generatorNet.bn0, m.generatorNet.bn1, m.discriminatorNet.bn2]) {
        bn.runningMean.data.set(randomTensor(g, [bn.numFeatures], { low: -0.3, high: 0.3, grad: false }).data);
        bn.runningVar.data.set(randomTensor(g, [bn.numFeatures], { low: 0.5, high: 2, grad: false }).data);
      }
      m.train(training);
      const z = randn([16, 100], { generator: g }),
        images = randomTensor(g, [16, 784], { dtype: "float32", low: 0, high: 1, grad: false });
      const cases: Array<[string, () => Tensor, () => Tensor]> = [
        ["generator", () => m.generatorNet.forward(z), () => plainGenerator(m, z, training)],
        ["discriminator", () => m.discriminatorNet.forward(images), () => plainDiscriminator(m, images, training)],
      ];
      for (const [what, fused, plain] of cases) {
        const a = run(m, fused, new Generator(9)),
          b = run(m, plain, new Generator(9));
        assertClose(a.values, b.values, { atol: 1e-5, rtol: 1e-5 }, `${what} output`);
        assert.ok(
          a.values.some((v) => v !== 0),
          `${what}: a non-trivial output`,
        );
        a.grads.forEach((gr, k) => assertClose(gr, b.grads[k]!, { atol: 1e-4, rtol: 1e-4 }, `${what} grad ${k}`));
        assert.ok(
          a.grads.some((gr) => gr.some((v) => v !== 0)),
          `${what}: gradients reach the parameters`,
        );
      }
    },
  );

test("dcgan's state entries are the plain layers' (checkpoints from before the fused activations load)", () => {
  const m = new DCGAN(dcganOptions.parse({}), data, new Generator(1));
  const bn = (p: string) => ["weight", "bias", "runningMean", "runningVar"].map((k) => `${p}.${k}`);
  const layer = (p: string) => [`${p}.weight`, `${p}.bias`];
  const expected = [
    ...layer("generator.fc"),
    ...bn("generator.bn0"),
    ...layer("generator.up1"),
    ...bn("generator.bn1"),
    ...layer("generator.up2"),
    ...layer("discriminator.conv1"),
    ...layer("discriminator.conv2"),
    ...bn("discriminator.bn2"),
    ...layer("discriminator.fc"),
  ];
  assert.deepEqual([...m.stateDict().keys()].sort(), expected.sort());
});
