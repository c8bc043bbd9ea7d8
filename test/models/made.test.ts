/**
 * MADE: the K-mask ensemble samples and completes from the mixture it scores, direct input→output connections keep
 * the autoregressive property, hidden-unit dropout acts in training only, the options are validated, and
 * configurations without the newer options build the same parameters as before.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, bceWithLogits, bernoulli, tensor, zeros, models, type Tensor } from "../../src/index.js";
import { MADE, type MADEConfig } from "../../src/models/autoregressive/made.js";
import { madeMasks } from "../../src/models/autoregressive/made-masks.js";
import { randomTensor } from "../helpers.js";

const shape = (D: number) => ({ dim: D, shape: [1, 1, D] as [number, number, number] });
const base = { hidden: [8], nMasks: 1, orderAgnostic: false, maskSeed: 0 } as MADEConfig; // as an old config.json

/** A MADE with weights spread wide (U(±1.5)), so that different masks give clearly different distributions. */
function made(opts: Partial<MADEConfig>, D: number, seed = 3): MADE {
  const m = new MADE({ ...base, ...opts }, shape(D), new Generator(seed));
  m.parameters().forEach((p, i) =>
    p.data.set(
      randomTensor(new Generator(seed * 31 + i), [...p.shape], { dtype: "float32", low: -1.5, high: 1.5 }).data,
    ),
  );
  return m;
}

/** All 2^n binary images [2^n, n]; image k has pixel i = bit i of k. */
const allImages = (n: number): Tensor =>
  tensor(
    Array.from({ length: 2 ** n * n }, (_, k) => (Math.floor(k / n) >> (k % n)) & 1),
    [2 ** n, n],
  );

const exactP = (m: MADE, D: number): Float64Array => m.logLikelihood(allImages(D)).logp.map(Math.exp);

function frequencies(s: Tensor, D: number): Float64Array {
  const v = s.toArray(),
    n = s.shape[0]!,
    f = new Float64Array(2 ** D);
  for (let r = 0; r < n; r++) {
    let code = 0;
    for (let i = 0; i < D; i++) code |= v[r * D + i]! << i;
    f[code]! += 1 / n;
  }
  return f;
}

const tv = (p: ArrayLike<number>, q: ArrayLike<number>): number =>
  0.5 * Array.from(p).reduce((t, v, k) => t + Math.abs(v - q[k]!), 0);

/** p_k(x) of mask k alone, over all images. */
function maskP(m: MADE, k: number, D: number): Float64Array {
  m.useMask(k);
  const x = allImages(D);
  const lp = bceWithLogits(m.conditionalLogits(x), x, { reduction: "none" }).sum(1).neg().toArray();
  m.useMask(0);
  return Float64Array.from(lp, Math.exp);
}

// Tolerance: with 16 outcomes and 10^5 draws an exact sampler's expected TV is about 0.004
// (Σ √(p(1−p)/n)·√(2/π)/2); 0.01 leaves room for chance, while sampling from one mask only is off by ≥ 0.05
// here (asserted, so the test can fail).
const TV_TOL = 0.01;

test("K-mask ensemble: 10^5 samples follow (1/K) Σ_k p_k(x) within TV 0.01 (4 pixels, 5 masks)", () => {
  const D = 4;
  for (const opts of [
    { nMasks: 5, orderAgnostic: true },
    { nMasks: 5, orderAgnostic: true, directConnections: true },
    { nMasks: 5, orderAgnostic: false, directConnections: true, hidden: [8, 6] },
  ]) {
    const m = made(opts, D);
    const p = exactP(m, D);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5, "the ensemble's p sums to 1");
    assert.ok(tv(maskP(m, 0, D), p) > 0.05, `${JSON.stringify(opts)}: mask 0 alone differs from the ensemble`);
    const got = tv(frequencies(m.sample(100000, new Generator(9)), D), p);
    assert.ok(got < TV_TOL, `${JSON.stringify(opts)}: TV ${got.toFixed(4)} between samples and the ensemble's p`);
  }
});

test("K-mask ensemble completion: observed first pixels → samples follow p(x_rest | x_obs) within TV 0.01", () => {
  const D = 4,
    m = made({ nMasks: 5, directConnections: true }, D);
  const observed = Uint8Array.from([1, 1, 0, 0]); // first in every order (natural order)
  const p = exactP(m, D);
  for (const [x0, x1] of [
    [1, 0],
    [0, 1],
  ] as const) {
    // exact conditional: p(x) restricted to images agreeing with the observed pixels, renormalised
    const cond = p.map((v, k) => ((k & 1) === x0 && ((k >> 1) & 1) === x1 ? v : 0));
    const z = cond.reduce((a, b) => a + b, 0);
    const want = cond.map((v) => v / z);
    const n = 100000,
      x = zeros([n, D]);
    for (let r = 0; r < n; r++) x.data.set([x0, x1, r % 2, 1], r * D); // unobserved values must not matter
    const got = frequencies(m.complete(x, observed, new Generator(11)), D);
    // the same tolerance as sampling: 4 outcomes here, so an exact sampler's TV is about 0.003
    assert.ok(tv(got, want) < TV_TOL, `x_obs = ${x0}${x1}: TV ${tv(got, want).toFixed(4)}`);
  }
});

test("direct connections: logit i depends only on earlier pixels, for every mask and order, and p sums to 1", () => {
  const D = 7,
    m = made({ hidden: [10], nMasks: 3, orderAgnostic: true, directConnections: true }, D);
  assert.ok(m.direct, "the direct layer exists");
  for (let k = 0; k < 3; k++) {
    m.useMask(k);
    const rank = new Int32Array(D);
    m.order().forEach((pixel, r) => (rank[pixel] = r));
    // logits are affine-then-ReLU in x, so the dependency set is found by flipping one pixel at a time
    const x = randomTensor(new Generator(5 + k), [16, D], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);
    const l0 = m.conditionalLogits(x).toArray();
    for (let j = 0; j < D; j++) {
      const xj = Float32Array.from(x.toArray());
      for (let r = 0; r < 16; r++) xj[r * D + j] = 1 - xj[r * D + j]!;
      const l1 = m.conditionalLogits(tensor(xj, [16, D])).toArray();
      for (let i = 0; i < D; i++) {
        const moved = Array.from({ length: 16 }, (_, r) => l1[r * D + i]! !== l0[r * D + i]!).some(Boolean);
        if (rank[j]! >= rank[i]!) assert.ok(!moved, `mask ${k}: logit ${i} moved when pixel ${j} (later) flipped`);
      }
    }
    // the direct weights alone carry x_j → logit i for the pixel right after j: with the MLP's output zeroed
    const saved = Float32Array.from(m.layers[1]!.weight.data);
    m.layers[1]!.weight.data.fill(0);
    const [first, second] = [m.order()[0]!, m.order()[1]!];
    const a = zeros([1, D]),
      b = zeros([1, D]);
    b.data[first] = 1;
    const moved = m.conditionalLogits(b).toArray()[second]! - m.conditionalLogits(a).toArray()[second]!;
    assert.ok(Math.abs(moved) > 1e-4, `mask ${k}: the direct weight ${first}→${second} is used`);
    m.layers[1]!.weight.data.set(saved);
  }
  m.useMask(0);
  const total = exactP(m, D).reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(total - 1) < 1e-5, `Σ p = ${total} (tolerance 1e-5, float32 logits)`);
});

test("maskChoice 'cycle' trains masks 0, 1, …, K−1, 0 in turn; 'random' draws them", () => {
  const D = 6,
    K = 4;
  const x = randomTensor(new Generator(2), [3, D], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);
  const orders = (m: MADE) => Array.from({ length: K }, (_, k) => (m.useMask(k), [...m.order()].join()));
  const cyc = made({ nMasks: K, orderAgnostic: true, maskChoice: "cycle" }, D);
  const byMask = orders(cyc);
  const seen = Array.from(
    { length: 2 * K + 1 },
    () => (cyc.loss(x, new Generator(1)), byMask.indexOf([...cyc.order()].join())),
  );
  assert.deepEqual(seen, [0, 1, 2, 3, 0, 1, 2, 3, 0]);
  const rnd = made({ nMasks: K, orderAgnostic: true }, D);
  const g = new Generator(4);
  const drawn = Array.from({ length: 40 }, () => (rnd.loss(x, g), byMask.indexOf([...rnd.order()].join())));
  assert.notDeepEqual(drawn.slice(0, 9), seen, "random choice is not the cycle");
  assert.equal(new Set(drawn).size, K, "every mask is drawn in 40 steps");
});

test("options are validated with messages naming the option", () => {
  const bad: Array<[Partial<MADEConfig> | Record<string, unknown>, RegExp]> = [
    [{ directConnections: "yes" }, /directConnections must be true or false/],
    [{ maskChoice: "roundrobin" }, /maskChoice must be "random" or "cycle"/],
    [{ nMasks: 0 }, /nMasks must be a positive integer/],
    [{ hidden: [] }, /hidden must be a non-empty list/],
    [{ hidden: [4, 2.5] }, /hidden must be a non-empty list/],
    [{ dropout: 0.95 }, /dropout must be a number in \[0, 0.9\]/],
    [{ dropout: "0.1" }, /dropout must be a number in \[0, 0.9\]/],
  ];
  for (const [opts, msg] of bad)
    assert.throws(() => new MADE({ ...base, ...opts } as MADEConfig, shape(5), new Generator(0)), msg);
});

test("a config written before directConnections/maskChoice existed builds the same parameters and weights", () => {
  // the options of an older made-ensemble config.json, as mergeConfig wrote them
  const old = { hidden: [12], nMasks: 32, orderAgnostic: true, maskSeed: 0 };
  const a = new MADE(old as MADEConfig, shape(9), new Generator(7));
  assert.deepEqual([...a.stateDict().keys()], ["layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"]);
  assert.equal(a.direct, null);
  // the direct layer is created last, so the MLP's initial weights do not depend on the option
  const b = new MADE({ ...old, directConnections: true } as MADEConfig, shape(9), new Generator(7));
  for (const [name, t] of a.stateDict()) assert.deepEqual(b.stateDict().get(name)!.toArray(), t.toArray(), name);
  assert.ok(b.stateDict().has("direct.weight") && !b.stateDict().has("direct.bias"));
  for (const name of ["made", "made-ensemble"]) {
    const spec = models.getModelSpec(name);
    assert.equal(models.defaultOptions(spec).directConnections, false, `${name}: old configs read as no direct layer`);
  }
});

test("dropout: training keeps each hidden unit with 1 − p and rescales by 1/(1 − p); scoring never drops", () => {
  const D = 7,
    p = 0.3;
  const x = randomTensor(new Generator(8), [5, D], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);
  for (const opts of [{ hidden: [9] }, { hidden: [9, 6], directConnections: true }]) {
    const plain = made(opts, D),
      dropped = made({ ...opts, dropout: p }, D);
    // the same weights: the option adds no parameters
    assert.deepEqual([...dropped.stateDict().keys()], [...plain.stateDict().keys()]);
    // the loss by hand, drawing the keep masks from the same seed in the same order (layer by layer)
    const g = new Generator(11);
    let h = x;
    plain.layers.forEach((l, i) => {
      h = l.forward(h);
      if (i < plain.layers.length - 1)
        h = h
          .relu()
          .mul(bernoulli(1 - p, h.shape, { generator: g, dtype: h.dtype }))
          .mul(1 / (1 - p));
    });
    const logits = plain.direct ? h.add(plain.direct.forward(x)) : h;
    const want = bceWithLogits(logits, x, { reduction: "none" }).sum(1).mean().item();
    const got = dropped.loss(x, new Generator(11)).item();
    // tolerance: float32 sums of ≤ 9 terms per unit, values of order 10
    assert.ok(Math.abs(got - want) < 1e-4, `${JSON.stringify(opts)}: dropout loss ${got} vs by hand ${want}`);
    const noDrop = plain.loss(x, new Generator(11)).item();
    assert.ok(Math.abs(got - noDrop) > 1e-3, `dropout changes the training loss (${got} vs ${noDrop})`);
    // exact likelihood and the conditionals do not drop, in any mode
    const lp = plain.logLikelihood(x).logp,
      lq = dropped.logLikelihood(x).logp;
    lp.forEach((v, b) => assert.ok(Math.abs(v - lq[b]!) < 1e-5, `image ${b}: log p ${lq[b]} vs ${v} without dropout`));
  }
});

test("masks beyond the cache are rebuilt in one spare set: the masks, orders and log p of a full cache", () => {
  const D = 6,
    K = 5;
  const x = randomTensor(new Generator(9), [4, D], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);
  for (const orderAgnostic of [false, true]) {
    const opts = { hidden: [7, 5], nMasks: K, orderAgnostic, directConnections: true };
    const all = made(opts, D),
      few = new MADE({ ...base, ...opts }, shape(D), new Generator(3), 2);
    all.stateDict().forEach((t, name) => few.stateDict().get(name)!.data.set(t.data));
    // in an order that leaves and re-enters the spare: 3, 4, 3 are not cached
    for (const k of [3, 4, 0, 3, 2, 1, 4]) {
      few.useMask(k);
      const want = madeMasks(D, opts.hidden, k, 0, orderAgnostic);
      few.layers.forEach((l, i) =>
        assert.deepEqual(l.mask.toArray(), want.masks[i]!.toArray(), `mask ${k} layer ${i}`),
      );
      assert.deepEqual([...few.order()], [...want.order], `order of mask ${k}`);
    }
    const lp = all.logLikelihood(x).logp,
      lq = few.logLikelihood(x).logp;
    lp.forEach((v, b) =>
      assert.ok(Math.abs(v - lq[b]!) < 1e-9, `image ${b}: ${lq[b]} vs ${v} (orderAgnostic ${orderAgnostic})`),
    );
  }
});
