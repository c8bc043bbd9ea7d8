/**
 * DCGAN's initialisation: Radford et al. 2016's N(0, 0.02²) for every weight (the default), with zero biases and
 * BatchNorm gains N(1, 0.02²); `init: "uniform"` keeps the layers' own U(±1/√fan_in).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, type Tensor } from "../../src/index.js";
import { DCGAN, options as dcganOptions } from "../../src/models/adversarial/dcgan.js";

const data = { dim: 784, shape: [1, 28, 28] as [number, number, number] };

function moments(t: Tensor): { mean: number; std: number; maxAbs: number } {
  const v = t.toArray();
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
  return { mean, std, maxAbs: v.reduce((m, x) => Math.max(m, Math.abs(x)), 0) };
}

test("dcgan init: weights N(0, 0.02²), zero biases, BatchNorm gains N(1, 0.02²) in both networks", () => {
  const m = new DCGAN(dcganOptions.parse({}), data, new Generator(11));
  assert.equal(m.config.init, "normal", "the paper's initialisation is the default");
  const params = new Map(m.namedParameters());
  const weights = [
    "generator.fc.weight",
    "generator.up1.weight",
    "generator.up2.weight",
    "discriminator.conv1.weight",
    "discriminator.conv2.weight",
    "discriminator.fc.weight",
  ];
  for (const name of weights) {
    const w = params.get(name)!;
    const { mean, std } = moments(w);
    // the smallest tensor has 1,024 values: the sample std's relative error is ≈ 1/√(2·1024) = 2.2%, so 10%
    // is 4.5σ; the sample mean's error is ≈ 0.02/√1024 = 6e-4, so 3e-3 is 5σ
    assert.ok(Math.abs(std - 0.02) < 0.002, `${name}: std ${std}, expected 0.02`);
    assert.ok(Math.abs(mean) < 3e-3, `${name}: mean ${mean}, expected 0`);
  }
  for (const name of ["generator.bn0", "generator.bn1", "discriminator.bn2"]) {
    const gain = moments(params.get(`${name}.weight`)!);
    // ≥ 64 gains: mean within 5σ = 5·0.02/8 of 1, std within 50% of 0.02 (the spread of a 64-sample std is ≈ 9%)
    assert.ok(Math.abs(gain.mean - 1) < 0.0125 && Math.abs(gain.std - 0.02) < 0.01, `${name} gains ${gain.mean}`);
    assert.equal(moments(params.get(`${name}.bias`)!).maxAbs, 0, `${name}.bias`);
  }
  for (const name of ["generator.fc", "generator.up1", "generator.up2", "discriminator.conv1", "discriminator.fc"])
    assert.equal(moments(params.get(`${name}.bias`)!).maxAbs, 0, `${name}.bias is not zero`);
  // the noise behind the weights comes from the model's generator: another seed, other weights
  const other = new DCGAN(dcganOptions.parse({}), data, new Generator(12));
  assert.notDeepEqual(other.generatorNet.up2.weight.toArray(), m.generatorNet.up2.weight.toArray());
});

test('dcgan init "uniform": the layers\' own U(±1/√fan_in), U(±0.25) for the last transposed convolution', () => {
  const m = new DCGAN(dcganOptions.parse({ init: "uniform" }), data, new Generator(13));
  // fan-in of a transposed convolution counts its output channels: 1·4·4 = 16, bound 1/4
  const up2 = moments(m.generatorNet.up2.weight);
  // 1,024 values of U(±0.25): std 0.25/√3 = 0.144 within 10% (4.5σ), none beyond the bound
  assert.ok(Math.abs(up2.std - 0.25 / Math.sqrt(3)) < 0.0144 && up2.maxAbs <= 0.25, `up2 std ${up2.std}`);
  assert.ok(moments(m.generatorNet.up2.bias!).maxAbs > 0, "uniform init leaves non-zero biases");
});
