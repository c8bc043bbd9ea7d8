/** Distributions: log-densities against closed forms, sample moments, entropies, KL, normalisation. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, tensor, distributions as D } from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";

const tol = { atol: 1e-5, rtol: 1e-5 };
const sig = (z: number) => 1 / (1 + Math.exp(-z));

test("Bernoulli: logProb, entropy and sample mean from logits", () => {
  const g = new Generator(1);
  const z = randomTensor(g, [6], { dtype: "float32", grad: false, low: -4, high: 4 }),
    x = tensor([0, 1, 1, 0, 1, 0]);
  const d = new D.Bernoulli(z);
  const zs = z.toArray();
  assertClose(
    d.logProb(x).toArray(),
    zs.map((v, i) => Math.log(x.toArray()[i] ? sig(v) : 1 - sig(v))),
    tol,
    "logProb",
  );
  assertClose(
    d.entropy().toArray(),
    zs.map((v) => -(sig(v) * Math.log(sig(v)) + (1 - sig(v)) * Math.log(1 - sig(v)))),
    tol,
    "entropy",
  );
  const many = new D.Bernoulli(tensor(Array(20000).fill(0.7))).sample(g).toArray();
  const mean = many.reduce((a, b) => a + b, 0) / many.length;
  assert.ok(Math.abs(mean - sig(0.7)) < 5 * Math.sqrt(0.25 / 20000), `sample mean ${mean} vs ${sig(0.7)}`);
});

test("Categorical: logProb, entropy, sample frequencies, KL", () => {
  const logits = tensor([
    [1, 2, 0.5],
    [0, -1, 3],
  ]);
  const d = new D.Categorical(logits);
  const p = (r: number[]) => {
    const e = r.map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    return e.map((v) => v / s);
  };
  const p0 = p([1, 2, 0.5]),
    p1 = p([0, -1, 3]);
  assertClose(d.logProb([1, 2]).toArray(), [Math.log(p0[1]!), Math.log(p1[2]!)], tol, "logProb");
  assertClose(
    d.entropy().toArray(),
    [p0, p1].map((q) => -q.reduce((a, v) => a + v * Math.log(v), 0)),
    tol,
    "entropy",
  );
  const g = new Generator(2);
  const s = new D.Categorical(tensor([1, 2, 0.5]).reshape(1, 3).expand(30000, 3)).sample(g).toArray();
  [0, 1, 2].forEach((k) => {
    const f = s.filter((v) => v === k).length / s.length;
    assert.ok(Math.abs(f - p0[k]!) < 5 * Math.sqrt((p0[k]! * (1 - p0[k]!)) / 30000), `class ${k}: ${f} vs ${p0[k]}`);
  });
  const kl = D.klCategorical(
    d,
    new D.Categorical(
      tensor([
        [0, 0, 0],
        [0, 0, 0],
      ]),
    ),
  ).toArray();
  assertClose(
    kl,
    [p0, p1].map((q) => q.reduce((a, v) => a + v * Math.log(v * 3), 0)),
    tol,
    "KL to uniform",
  );
});

test("Normal: logProb, entropy, reparameterised samples, KL closed forms", () => {
  const mu = tensor([0.5, -1]),
    ls = tensor([Math.log(2), Math.log(0.5)]);
  const d = new D.Normal(mu, ls);
  const x = tensor([1, 0]);
  const lp = (v: number, m: number, s: number) => -0.5 * ((v - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
  assertClose(d.logProb(x).toArray(), [lp(1, 0.5, 2), lp(0, -1, 0.5)], tol, "logProb");
  assertClose(
    d.entropy().toArray(),
    [2, 0.5].map((s) => 0.5 * Math.log(2 * Math.PI * Math.E * s * s)),
    tol,
    "entropy",
  );
  const g = new Generator(3);
  const big = new D.Normal(tensor(Array(40000).fill(1.5)), tensor(Array(40000).fill(Math.log(0.3))));
  const z = big.sample(g).toArray();
  const m = z.reduce((a, b) => a + b, 0) / z.length,
    v = z.reduce((a, b) => a + (b - m) ** 2, 0) / z.length;
  assert.ok(Math.abs(m - 1.5) < (5 * 0.3) / Math.sqrt(40000), `mean ${m}`);
  assert.ok(Math.abs(v - 0.09) < 5 * 0.09 * Math.sqrt(2 / 40000), `variance ${v}`);
  const q = new D.Normal(tensor([0, 0]), tensor([0, 0]));
  const kl = (m1: number, s1: number, m2: number, s2: number) =>
    Math.log(s2 / s1) + (s1 * s1 + (m1 - m2) ** 2) / (2 * s2 * s2) - 0.5;
  assertClose(D.klNormal(d, q).toArray(), [kl(0.5, 2, 0, 1), kl(-1, 0.5, 0, 1)], tol, "KL(N‖N(0,1))");
  assertClose(D.klStandardNormal(d).toArray(), D.klNormal(d, q).toArray(), tol, "analytic VAE KL = general KL");
  // the reparameterised sample carries gradients to μ and log σ
  const m2 = tensor([0.2]).requireGrad(),
    s2 = tensor([0.1]).requireGrad();
  new D.Normal(m2, s2).rsample(new Generator(4)).sum().backward();
  assert.equal(m2.grad!.item(), 1);
  assert.ok(Math.abs(s2.grad!.item()) > 0);
});

test("mixture of Gaussians: logProb equals the weighted sum of densities", () => {
  const mix = new D.MixtureOfGaussians(
    tensor([[Math.log(0.3), Math.log(0.7)]]),
    tensor([[-1, 2]]),
    tensor([[0, Math.log(0.5)]]),
  );
  const x = 0.4,
    n = (v: number, m: number, s: number) => Math.exp(-0.5 * ((v - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));
  assertClose(
    mix.logProb(tensor([x])).toArray(),
    [Math.log(0.3 * n(x, -1, 1) + 0.7 * n(x, 2, 0.5))],
    tol,
    "mixture density",
  );
  const s = new D.MixtureOfGaussians(
    tensor([[Math.log(0.3), Math.log(0.7)]]).expand(20000, 2),
    tensor([[-1, 2]]).expand(20000, 2),
    tensor([[0, Math.log(0.5)]]).expand(20000, 2),
  )
    .sample(new Generator(5))
    .toArray();
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  assert.ok(Math.abs(mean - (0.3 * -1 + 0.7 * 2)) < 0.05, `mixture mean ${mean}`);
});

test("discretized logistic mixture: probabilities of the 256 bins sum to 1, samples land on bins", () => {
  const bins = Array.from({ length: 256 }, (_, i) => (i / 255) * 2 - 1);
  const n = bins.length;
  const logits = tensor([0.3, -0.2, 1]).reshape(1, 3).expand(n, 3),
    loc = tensor([-0.5, 0.1, 0.9]).reshape(1, 3).expand(n, 3);
  const ls = tensor([Math.log(0.05), Math.log(0.2), Math.log(0.01)])
    .reshape(1, 3)
    .expand(n, 3);
  const d = new D.DiscretizedLogisticMixture(logits, loc, ls);
  const total = d
    .logProb(tensor(bins))
    .toArray()
    .reduce((a, l) => a + Math.exp(l), 0);
  assertClose([total], [1], { atol: 2e-4, rtol: 0 }, "Σ over bins");
  const s = d.sample(new Generator(6)).toArray();
  assert.ok(
    s.every((v) => Math.abs(((v + 1) / 2) * 255 - Math.round(((v + 1) / 2) * 255)) < 1e-3 && v >= -1 && v <= 1),
  );
});

test(
  "maximum-likelihood fits: Bernoulli and Categorical recover frequencies, " + "and no nearby parameter does better",
  () => {
    const x = tensor([
      [1, 0, 1],
      [1, 0, 0],
      [0, 0, 1],
      [1, 1, 1],
    ]);
    const b = D.Bernoulli.fit(x);
    assertClose(b.probs.toArray(), [0.75, 0.25, 0.75], tol, "Bernoulli MLE");
    const ll = (d: D.Bernoulli) => d.logProb(x).sum().item();
    for (const dz of [-0.1, 0.1])
      assert.ok(ll(new D.Bernoulli(b.logits.add(dz))) < ll(b), `perturbing logits by ${dz} lowers the likelihood`);
    assertClose(D.Bernoulli.fit(tensor([[0], [0]]), 1).probs.toArray(), [0.25], tol, "Laplace smoothing");
    const obs = [0, 2, 2, 1, 2, 0, 2, 2];
    const c = D.Categorical.fit(obs, 4);
    assertClose(c.probs.toArray(), [0.25, 0.125, 0.625, 0], { atol: 1e-6, rtol: 1e-5 }, "Categorical MLE");
    assertClose(
      D.Categorical.fit(obs, 4, 1).probs.toArray(),
      [3 / 12, 2 / 12, 6 / 12, 1 / 12],
      tol,
      "add-one smoothing",
    );
    assert.throws(() => D.Categorical.fit([0, 4], 4), /class 4 at 1 is not in \[0, 4\)/);
  },
);
