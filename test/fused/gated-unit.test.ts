/**
 * The gated unit's channel layout and its input checks: the fused op equals tanh(a) ⊙ σ(b) written with slices on
 * each colour group's [a | b] halves (float64 reference, tolerance 1e-12: the same arithmetic in another order), and
 * shapes it cannot split are refused with the reason.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, gatedUnit, type Tensor } from "../../src/index.js";
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
