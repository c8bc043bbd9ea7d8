/**
 * The gated unit's channel layout and its input checks: the fused op equals tanh(a) ⊙ σ(b) written with slices on
 * each colour group's [a | b] halves (float64 reference, tolerance 1e-12: the same arithmetic in another order), and
 * shapes it cannot split are refused with the reason. gatedUnitInto (the forward into a given buffer, for the
 * cached samplers) writes exactly what gatedUnit returns.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, gatedUnit, type Tensor } from "../../src/index.js";
import { gatedUnitInto } from "../../src/fused/gated-unit/index.js";
import { assertClose, randomTensor } from "../helpers.js";

/** tanh(a) ⊙ σ(b) per group, written out with slices and concat over groups. */
function composed(z: Tensor, groups: number): Tensor {
  const [B, F2, H, W] = z.shape as [number, number, number, number];
  const g = z.reshape(B, groups, 2, F2 / (2 * groups), H, W);
  return g
    .slice(2, 0, 1)
    .tanh()
    .mul(g.slice(2, 1, 2).sigmoid())
    .reshape(B, F2 / 2, H, W);
}

test("gatedUnit: equals slices + tanh + σ + product on x + y, per colour group, forward and gradients", () => {
  const gen = new Generator(5);
  for (const groups of [1, 3]) {
    const shape = [2, 6 * groups, 3, 4];
    const x = randomTensor(gen, shape, { low: -3, high: 3 }),
      y = randomTensor(gen, shape, { low: -3, high: 3 }),
      w = randomTensor(gen, [2, 3 * groups, 3, 4], { grad: false });
    const fused = gatedUnit(x, groups, y);
    fused.mul(w).sum().backward();
    const [gx, gy] = [x.grad!.toArray(), y.grad!.toArray()];
    x.grad = y.grad = null;
    const ref = composed(x.add(y), groups);
    ref.mul(w).sum().backward();
    const tol = { atol: 1e-12, rtol: 1e-12 };
    assertClose(fused.toArray(), ref.toArray(), tol, `forward, ${groups} groups`);
    assertClose(gx, x.grad!.toArray(), tol, `∂x, ${groups} groups`);
    assertClose(gy, y.grad!.toArray(), tol, `∂y, ${groups} groups`);
  }
});

test("gatedUnit: refuses channels that do not split into groups and a y of another shape", () => {
  const gen = new Generator(6);
  const x = randomTensor(gen, [2, 6, 2, 2]);
  assert.throws(() => gatedUnit(x, 2), /6 channels must split into 2 groups/);
  assert.throws(() => gatedUnit(x, 1, randomTensor(gen, [2, 6, 2, 1])), /y \[2,6,2,1\] must have the input's shape/);
});

test("gatedUnitInto: writes gatedUnit's forward into the caller's buffer (the same kernels: bit for bit)", () => {
  const gen = new Generator(7);
  for (const [groups, withY] of [
    [1, false],
    [3, true],
  ] as const) {
    // [B, 2F] rows, as a cached sampler holds one pixel of B images; F/groups values per half
    const B = 5,
      F = 6 * groups;
    const x = randomTensor(gen, [B, 2 * F], { dtype: "float32", low: -3, high: 3, grad: false }),
      y = randomTensor(gen, [B, 2 * F], { dtype: "float32", low: -3, high: 3, grad: false });
    const out = new Float32Array(B * F).fill(Number.NaN);
    const xd = x.data as Float32Array,
      yd = y.data as Float32Array;
    gatedUnitInto(xd, withY ? yd : null, out, B * groups, F / groups);
    assert.deepEqual(Array.from(out), gatedUnit(x, groups, withY ? y : null).toArray(), `${groups} groups`);
  }
  const x = new Float32Array(12);
  assert.throws(() => gatedUnitInto(x, null, new Float32Array(5), 2, 3), /do not fit \[2, 2, 3\] → \[2, 3\]/);
  assert.throws(() => gatedUnitInto(x, new Float32Array(6), new Float32Array(6), 2, 3), /y of 6/);
});
