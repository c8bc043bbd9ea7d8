/** Active units: per-column variances against a two-pass float64 reference, and the count at Burda et al.'s 10⁻². */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import { activeUnits, columnVariances } from "../../src/eval/active-units.js";

test("column variances equal a two-pass reference; units count as active above 1e-2, not below", () => {
  const g = new Generator(19);
  const n = 2000;
  // spreads (standard deviations) chosen on both sides of the threshold, two of them between std 1e-2 and 1e-1
  // (variance 1e-4 … 1e-2: not active, though a threshold on the standard deviation would count them)
  const spreads = [1, 0.5, 0.2, 0.08, 0.05, 0.03, 0.001, 0, 0.3, 0.09];
  const dim = spreads.length;
  const offsets = Array.from({ length: dim }, (_, c) => (c % 2 === 0 ? 0 : 50 * (c - 4)));
  const z = g.normal01(n * dim);
  const values = new Float32Array(n * dim);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < dim; c++) values[r * dim + c] = offsets[c]! + spreads[c]! * z[r * dim + c]!;
  const got = columnVariances(values, dim);
  for (let c = 0; c < dim; c++) {
    let mean = 0,
      ss = 0;
    for (let r = 0; r < n; r++) mean += values[r * dim + c]!;
    mean /= n;
    for (let r = 0; r < n; r++) ss += (values[r * dim + c]! - mean) ** 2;
    const want = ss / n;
    assert.ok(Math.abs(got[c]! - want) <= 1e-9 + 1e-9 * want, `column ${c}: ${got[c]} vs ${want}`);
  }
  // sample variances of 2000 normals are within ~10 % of spread², far from 1e-2 for every spread above
  const expected = spreads.filter((s) => s * s > 1e-2).length;
  assert.equal(expected, 4);
  assert.equal(activeUnits(values, dim), expected);
  assert.equal(activeUnits(values, dim, 1e-3), spreads.filter((s) => s * s > 1e-3).length);
  assert.throws(() => columnVariances(new Float32Array(7), 2), /not rows of 2/);
});
