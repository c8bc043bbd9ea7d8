/**
 * Accuracy of the native vectorized exp, log, tanh, sigmoid (and the functions built on them) against float64,
 * over dense grids of float32 inputs. Stated bound: max relative error ≤ 1e-6 wherever |f(x)| ≥ 1e-30.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { nativeAvailable, setBackend, tensor, type Tensor } from "../../src/index.js";
import { onSimd, simdPaths } from "./simd-paths.js";

const skip = nativeAvailable() ? false : "native addon not built (run `npm run build:native`)";

function grid(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(lo + ((hi - lo) * i) / (n - 1)));
}

function maxRelError(
  xs: number[],
  f: (t: Tensor) => Tensor,
  exact: (x: number) => number,
): { err: number; at: number } {
  setBackend("native");
  const got = f(tensor(xs)).toArray();
  let err = 0,
    at = NaN;
  xs.forEach((x, i) => {
    const e = exact(x);
    if (Math.abs(e) < 1e-30) return;
    const rel = Math.abs(got[i]! - e) / Math.abs(e);
    if (!(rel <= err)) {
      err = rel;
      at = x;
    }
  });
  return { err, at };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const cases: Array<[string, (t: Tensor) => Tensor, (x: number) => number, number[]]> = [
  ["exp on [-87, 88]", (t) => t.exp(), Math.exp, grid(-87, 88, 200001)],
  [
    "log on (0, 1e6]",
    (t) => t.log(),
    Math.log,
    [...grid(1e-30, 2, 100001), ...grid(2, 1e6, 100001), 1.17549435e-38, 3.4e38],
  ],
  ["tanh on [-12, 12]", (t) => t.tanh(), Math.tanh, grid(-12, 12, 200001)],
  ["sigmoid on [-60, 60]", (t) => t.sigmoid(), sigmoid, grid(-60, 60, 200001)],
  [
    "softplus on [-60, 60]",
    (t) => t.softplus(),
    (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
    grid(-60, 60, 200001),
  ],
  [
    "logSigmoid on [-60, 60]",
    (t) => t.logSigmoid(),
    (x) => Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x))),
    grid(-60, 60, 200001),
  ],
];

for (const isa of simdPaths()) {
  for (const [name, f, exact, xs] of cases) {
    test(`vectorized ${name} (${isa}): max relative error ≤ 1e-6 against float64`, { skip }, () => {
      const { err, at } = onSimd(isa, () => maxRelError(xs, f, exact));
      assert.ok(err <= 1e-6, `${name} (${isa}): max relative error ${err.toExponential(3)} at x = ${at}`);
    });
  }
  test(`vectorized special values (${isa}): exp(±inf, nan), log(0, <0, inf), tanh/sigmoid saturate`, { skip }, () =>
    onSimd(isa, specialValues),
  );
}

function specialValues(): void {
  setBackend("native");
  assert.deepEqual(tensor([-Infinity, Infinity, -200, 200]).exp().toArray(), [0, Infinity, 0, Infinity]);
  for (const f of ["exp", "log", "tanh", "sigmoid", "softplus", "logSigmoid"] as const) {
    assert.ok(Number.isNaN((tensor([NaN])[f] as () => Tensor).call(tensor([NaN])).item()), `${f}(NaN) is NaN`);
  }
  const l = tensor([0, -1, Infinity]).log().toArray();
  assert.equal(l[0], -Infinity);
  assert.ok(Number.isNaN(l[1]!));
  assert.equal(l[2], Infinity);
  assert.deepEqual(tensor([-50, 50]).tanh().toArray(), [-1, 1]);
  assert.deepEqual(tensor([-200, 200]).sigmoid().toArray(), [0, 1]);
}
