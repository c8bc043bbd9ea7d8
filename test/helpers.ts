/** Shared test utilities: random tensors, closeness with stated tolerances, central-difference gradient checks. */
import assert from "node:assert/strict";
import { Generator, Tensor, tensor, noGrad, type DType, type data } from "../src/index.js";

export function randomTensor(
  gen: Generator,
  shape: number[],
  opts: { dtype?: DType; low?: number; high?: number; grad?: boolean } = {},
): Tensor {
  const lo = opts.low ?? -2,
    hi = opts.high ?? 2;
  const n = shape.reduce((a, b) => a * b, 1);
  const u = gen.uniform01(n);
  // a Float64Array, not an Array: the same values, without boxing millions of numbers for the largest cases
  const t = tensor(
    u.map((v) => lo + (hi - lo) * v),
    shape,
    { dtype: opts.dtype ?? "float64" },
  );
  return opts.grad === false ? t : t.requireGrad();
}

/** Asserts |a − b| ≤ atol + rtol·|b| elementwise (NaN only where both are NaN). */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: { atol: number; rtol: number },
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  let worst = 0,
    at = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    if (a === e) continue;
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (!(excess <= worst)) {
      worst = Number.isNaN(excess) ? Infinity : excess;
      at = i;
    }
  }
  if (at >= 0) {
    assert.fail(
      `${what}: element ${at} is ${actual[at]} but expected ${expected[at]} (atol ${tol.atol}, rtol ${tol.rtol})`,
    );
  }
}

/**
 * Compares backward() against central differences of L = Σ f(inputs) ⊙ W (W random, fixed) for every input that
 * requires grad. Float64 inputs; eps 1e-6 gives truncation + rounding error ~1e-9, far below the tolerance.
 */
export function gradCheck(
  name: string,
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  gen: Generator,
  tol = { atol: 1e-6, rtol: 1e-5 },
): void {
  const out0 = fn(...inputs);
  const weights = randomTensor(gen, [...out0.shape], { grad: false, dtype: out0.dtype });
  const loss = (): number =>
    noGrad(() =>
      fn(...inputs)
        .mul(weights)
        .sum()
        .item(),
    );
  inputs.forEach((x) => x.zeroGrad());
  out0.mul(weights).sum().backward();
  const eps = 1e-6;
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    assert.ok(x.grad, `${name}: input ${k} got no gradient`);
    const analytic = x.grad!.toArray();
    const numeric: number[] = [];
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i]!;
      x.data[i] = v + eps;
      const fp = loss();
      x.data[i] = v - eps;
      const fm = loss();
      x.data[i] = v;
      numeric.push((fp - fm) / (2 * eps));
    }
    assertClose(analytic, numeric, tol, `${name}: d/d(input ${k})`);
  });
}

/** Ops recorded in the graph behind t (for coverage checks). */
export function opsInGraph(t: Tensor, into: Set<string>): void {
  const stack = [t];
  const seen = new Set<Tensor>();
  while (stack.length) {
    const x = stack.pop()!;
    if (seen.has(x) || !x.node) continue;
    seen.add(x);
    into.add(x.node.op);
    stack.push(...x.node.inputs);
  }
}

/**
 * An in-memory dataset of uniform random images (shape [C, H, W]) drawn from `seed` in train, valid, test order;
 * `binary` rounds the values to 0 or 1.
 */
export function syntheticDataset(o: {
  seed: number;
  shape: [number, number, number];
  sizes: [number, number, number];
  binarization: data.Dataset["binarization"];
  binary?: boolean;
}): data.Dataset {
  const g = new Generator(o.seed),
    dim = o.shape[0] * o.shape[1] * o.shape[2];
  const mk = (name: data.SplitName, n: number): data.Split => ({
    name,
    n,
    dim,
    shape: o.shape,
    values: Float32Array.from(g.uniform01(n * dim), (v) => (o.binary ? (v > 0.5 ? 1 : 0) : v)),
    labels: null,
  });
  const [a, b, c] = o.sizes;
  const splits = { train: mk("train", a), valid: mk("valid", b), test: mk("test", c) };
  return { name: "synthetic", binarization: o.binarization, source: "memory", split: (s) => splits[s] };
}
