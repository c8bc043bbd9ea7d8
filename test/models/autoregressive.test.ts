/**
 * Autoregressive models: the dependency test (∂ logit_i / ∂ x_j = 0 for j at or after i in the order), Σ_x p(x) =
 * 1 over all 2^n images, sampling frequencies against p(x), completion, and fused NADE = NADE from composed ops.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, tensor, zeros, models, concat, bceWithLogits, type Tensor } from "../../src/index.js";
import type { GenerativeModel, Scorer } from "../../src/models/base.js";
import { AutoregressiveModel } from "../../src/models/autoregressive/autoregressive.js";
import { MADE } from "../../src/models/autoregressive/made.js";
import { NADE } from "../../src/models/autoregressive/nade.js";
import { assertClose, randomTensor } from "../helpers.js";

const shape = (D: number) => ({ dim: D, shape: [1, 1, D] as [number, number, number] });
const make = (name: string, opts: Record<string, unknown>, D: number, seed = 1): AutoregressiveModel => {
  const spec = models.getModelSpec(name);
  const m = models.createModel(spec, { ...opts }, shape(D), new Generator(seed)) as AutoregressiveModel;
  for (const p of m.parameters())
    if (p.toArray().every((v) => v === 0))
      p.data.set(
        randomTensor(new Generator(seed + 7), [...p.shape], { dtype: "float32", grad: false, low: -0.5, high: 0.5 })
          .data,
      );
  return m;
};

/** For each position i: the input positions j with a non-zero ∂ logit_i / ∂ x_j. */
function dependencies(m: AutoregressiveModel, D: number, g: Generator): Set<number>[] {
  const deps: Set<number>[] = [];
  for (let i = 0; i < D; i++) {
    const x = randomTensor(g, [3, D], { dtype: "float32", grad: false, low: 0, high: 1 })
      .gt(0.5)
      .detach()
      .requireGrad();
    const sel = zeros([3, D]);
    for (let r = 0; r < 3; r++) sel.data[r * D + i] = 1;
    m.conditionalLogits(x).mul(sel).sum().backward();
    deps.push(
      new Set(
        x
          .grad!.toArray()
          .map((v, k) => (v !== 0 ? k % D : -1))
          .filter((k) => k >= 0),
      ),
    );
  }
  return deps;
}

function assertAutoregressive(name: string, m: AutoregressiveModel, D: number): void {
  const order = m.order(),
    rank = new Int32Array(D);
  order.forEach((pixel, r) => (rank[pixel] = r));
  dependencies(m, D, new Generator(2)).forEach((deps, i) => {
    for (const j of deps)
      assert.ok(
        rank[j]! < rank[i]!,
        `${name}: logit of pixel ${i} (rank ${rank[i]}) depends on pixel ${j} (rank ${rank[j]})`,
      );
  });
  const last = order[D - 1]!;
  assert.ok(
    dependencies(m, D, new Generator(3))[last]!.size > 0,
    `${name}: the last pixel depends on something (the test can fail)`,
  );
}

test("dependency test: FVSBN, NADE, MADE (several masks, random orders, two hidden layers)", () => {
  assertAutoregressive("fvsbn", make("fvsbn", {}, 9), 9);
  assertAutoregressive("nade", make("nade", { hidden: 6 }, 9), 9);
  const made = make("made", { hidden: [12, 10], nMasks: 4, orderAgnostic: true }, 9) as unknown as MADE;
  for (let k = 0; k < 4; k++) {
    made.useMask(k);
    assertAutoregressive(`made mask ${k}`, made, 9);
  }
  made.useMask(2);
  assert.notDeepEqual([...made.order()], [...Array(9).keys()], "mask 2 uses a random order");
});

/** All 2^n binary images [2^n, n]. */
const allImages = (n: number): Tensor =>
  tensor(
    Array.from({ length: 2 ** n * n }, (_, k) => (Math.floor(k / n) >> (k % n)) & 1),
    [2 ** n, n],
  );

function totalProbability(m: GenerativeModel & Scorer, n: number): number {
  const lp = m.logLikelihood(allImages(n), new Generator(0)).logp;
  return lp.reduce((s, v) => s + Math.exp(v), 0);
}

test(
  "tabular AR(k): Σ_x p(x) = 1, free parameters Σ 2^min(i,k), " + "counts match Laplace-smoothed frequencies",
  async () => {
    const { TabularAR } = await import("../../src/models/autoregressive/tabular.js");
    const g = new Generator(12),
      n = 500,
      D = 10;
    const data = Float32Array.from(g.uniform01(n * D), (u, i) => (u < 0.2 + 0.06 * (i % D) ? 1 : 0));
    for (const k of [0, 1, 3, 9]) {
      const m = new TabularAR({ k, alpha: 1 }, shape(D));
      m.fitCounts(data, n);
      assert.ok(Math.abs(totalProbability(m, D) - 1) < 1e-9, `k = ${k}: Σ p = ${totalProbability(m, D)}`);
      let want = 0n;
      for (let i = 0; i < D; i++) want += 1n << BigInt(Math.min(i, k));
      assert.equal(m.freeParameters(), want);
    }
    const m0 = new TabularAR({ k: 0, alpha: 1 }, shape(D));
    m0.fitCounts(data, n);
    const ones = [...Array(D).keys()].map((i) => {
      let c = 0;
      for (let r = 0; r < n; r++) c += data[r * D + i]!;
      return c;
    });
    assertClose(
      [...m0.table.data],
      ones.map((c) => (c + 1) / (n + 2)),
      { atol: 1e-7, rtol: 0 },
      "independent model = smoothed frequencies",
    );
  },
);

test("Σ_x p(x) = 1 within 1e-5 over all 2^10 images (FVSBN, NADE, MADE, MADE ensemble)", () => {
  for (const [name, opts] of [
    ["fvsbn", {}],
    ["nade", { hidden: 7 }],
    ["made", { hidden: [16] }],
    ["made", { hidden: [16, 9], nMasks: 5, orderAgnostic: true }],
  ] as const) {
    const total = totalProbability(make(name, opts, 10), 10);
    assert.ok(Math.abs(total - 1) < 1e-5, `${name} ${JSON.stringify(opts)}: Σ p = ${total}`);
  }
});

/** Total variation between the empirical distribution of n samples and p over all 2^D images. */
function samplingTV(m: AutoregressiveModel, D: number, n: number): number {
  const p = m.logLikelihood(allImages(D), new Generator(0)).logp.map(Math.exp);
  const counts = new Float64Array(2 ** D);
  const s = m.sample(n, new Generator(9)).toArray();
  for (let r = 0; r < n; r++) {
    let code = 0;
    for (let i = 0; i < D; i++) code |= s[r * D + i]! << i;
    counts[code]!++;
  }
  return 0.5 * p.reduce((t, q, k) => t + Math.abs(q - counts[k]! / n), 0);
}

test("samples follow p(x): total variation over all 16 images of a 4-pixel model ≤ 0.01 with 10^5 samples", () => {
  // With 16 outcomes and 10^5 draws the expected TV of an exact sampler is about 0.004; a sampler that ignored
  // one conditional would be off by far more.
  for (const [name, opts] of [
    ["nade", { hidden: 5 }],
    ["fvsbn", {}],
    ["made", { hidden: [8] }],
  ] as const) {
    const tv = samplingTV(make(name, opts, 4, 5), 4, 100000);
    assert.ok(tv < 0.01, `${name}: TV ${tv}`);
  }
});

test("completion keeps the observed pixels and samples the rest", () => {
  for (const m of [make("nade", { hidden: 5 }, 8), make("made", { hidden: [10] }, 8)]) {
    const x = tensor([1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0], [2, 8]);
    const observed = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0]);
    const out = m.complete(x, observed, new Generator(4)).toArray();
    assert.deepEqual([...out.slice(0, 4), ...out.slice(8, 12)], [1, 0, 1, 1, 0, 1, 0, 1]);
    assert.ok(out.every((v) => v === 0 || v === 1));
  }
});

test(
  "fused NADE: logits and every gradient equal NADE written with composed engine ops " +
    "(tolerance 1e-5 abs + 1e-4 rel)",
  () => {
    const D = 12,
      H = 9;
    const m = make("nade", { hidden: H }, D, 3) as unknown as NADE;
    const x = randomTensor(new Generator(5), [4, D], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.6);
    const fused = m.loss(x);
    fused.backward();
    const gFused = m.parameters().map((p) => p.grad!.toArray());
    m.zeroGrad();
    // the same model from engine ops: a_1 = c, h_i = σ(a_i), logit_i = b_i + V_i·h_i, a_{i+1} = a_i + x_i W_i
    const logits: Tensor[] = [];
    let a = m.c.reshape(1, H).expand(4, H);
    for (let i = 0; i < D; i++) {
      logits.push(
        a
          .sigmoid()
          .matmul(m.V.slice(0, i, i + 1).T)
          .add(m.b.slice(0, i, i + 1)),
      );
      a = a.add(x.slice(1, i, i + 1).matmul(m.W.slice(0, i, i + 1)));
    }
    const composed = logitsToLoss(logits, x);
    assertClose([fused.item()], [composed.item()], { atol: 1e-4, rtol: 1e-5 }, "loss");
    composed.backward();
    m.parameters().forEach((p, k) =>
      assertClose(p.grad!.toArray(), gFused[k]!, { atol: 1e-5, rtol: 1e-4 }, `∂${["W", "c", "V", "b"][k]}`),
    );
  },
);

function logitsToLoss(logits: Tensor[], x: Tensor): Tensor {
  return bceWithLogits(concat(logits, 1), x, { reduction: "none" }).sum(1).mean();
}
