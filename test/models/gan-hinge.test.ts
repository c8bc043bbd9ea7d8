/**
 * The hinge pair of adversarial losses (Lim & Ye 2017; Miyato et al. 2018): values and logit gradients against the
 * hand-written formulas, the closed form of the optimal discriminator (l* = ±1 where p_data ≷ p_g, loss
 * 2 − 2·TV), and DCGAN's phases using them when its options say so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, noGrad, tensor } from "../../src/index.js";
import { discriminatorLoss, discriminatorTerms, generatorTerms } from "../../src/models/adversarial/losses.js";
import { DCGAN, options as dcganOptions } from "../../src/models/adversarial/dcgan.js";
import { assertClose, randomTensor } from "../helpers.js";

const normalPdf = (x: number, m: number, s: number): number =>
  Math.exp(-0.5 * ((x - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

test("hinge discriminator loss: mean max(0, 1 − l) real + mean max(0, 1 + l) generated, and gradients", () => {
  const g = new Generator(11);
  // logits in [−3, 3]: both sides of each hinge's corner are hit
  const r = randomTensor(g, [13], { low: -3, high: 3 }),
    f = randomTensor(g, [17], { low: -3, high: 3 });
  const rv = r.toArray(),
    fv = f.toArray();
  assert.ok(rv.some((l) => l > 1) && rv.some((l) => l < 1) && fv.some((l) => l > -1) && fv.some((l) => l < -1));
  const loss = discriminatorLoss(r, f, "hinge");
  const byHand = mean(rv.map((l) => Math.max(0, 1 - l))) + mean(fv.map((l) => Math.max(0, 1 + l)));
  assertClose([loss.item()], [byHand], { atol: 1e-12, rtol: 1e-12 }, "loss"); // float64
  loss.backward();
  // d/dl of the real term: −1/n where l < 1, else 0; of the generated term: 1/n where l > −1, else 0 (exact)
  assertClose(
    r.grad!.toArray(),
    rv.map((l) => (l < 1 ? -1 / 13 : 0)),
    { atol: 1e-15, rtol: 0 },
    "d/d real",
  );
  assertClose(
    f.grad!.toArray(),
    fv.map((l) => (l > -1 ? 1 / 17 : 0)),
    { atol: 1e-15, rtol: 0 },
    "d/d generated",
  );
  // the default is still the logistic loss
  const logistic = discriminatorTerms(r, f);
  assertClose(
    logistic.real.toArray(),
    rv.map((l) => Math.log1p(Math.exp(-l))),
    { atol: 1e-12, rtol: 1e-12 },
    "",
  );
});

test("hinge generator loss is −l with gradient −1 everywhere", () => {
  const l = randomTensor(new Generator(12), [25], { low: -8, high: 8 });
  const t = generatorTerms(l, "hinge");
  t.sum().backward();
  assertClose(
    t.toArray(),
    l.toArray().map((v) => -v),
    { atol: 0, rtol: 0 },
    "value",
  ); // exact negation
  assertClose(l.grad!.toArray(), new Array<number>(25).fill(-1), { atol: 0, rtol: 0 }, "d/dl");
});

test("hinge loss at the optimal discriminator l* = sign(p_data − p_g) is 2 − 2·TV, and l* minimises it", () => {
  // p_data = N(0, 1), p_g = N(1.2, 0.7²); midpoint-rule quadrature on [−12, 12]
  const n = 24000,
    dx = 24 / n;
  const xs = Array.from({ length: n }, (_, i) => -12 + (i + 0.5) * dx);
  const p = xs.map((x) => normalPdf(x, 0, 1)),
    q = xs.map((x) => normalPdf(x, 1.2, 0.7));
  const tv = xs.reduce((s, _, i) => s + 0.5 * dx * Math.abs(p[i]! - q[i]!), 0);
  assert.ok(tv > 0.2 && tv < 0.9, `TV ${tv} should be well inside (0, 1) for these Gaussians`);
  const expectedLoss = (logit: number[]): number => {
    const t = discriminatorTerms(tensor(logit, { dtype: "float64" }), tensor(logit, { dtype: "float64" }), "hinge");
    const real = t.real.toArray(),
      fake = t.fake.toArray();
    return xs.reduce((s, _, i) => s + dx * (p[i]! * real[i]! + q[i]! * fake[i]!), 0);
  };
  const optimal = xs.map((_, i) => (p[i]! > q[i]! ? 1 : -1));
  const atOptimum = expectedLoss(optimal);
  // pointwise min over l of p·max(0, 1 − l) + q·max(0, 1 + l) is 2·min(p, q); ∫ 2·min(p, q) = 2 − 2·TV
  // tolerance: the quadrature sums the same terms both ways, float64 rounding over 24k terms
  assertClose([atOptimum], [2 - 2 * tv], { atol: 1e-9, rtol: 1e-9 }, "loss at l*");
  const g = new Generator(13);
  for (const [a, b] of [...g.normal01(6)].map((v, i, arr) => [v, arr[(i + 1) % 6]!] as const)) {
    const moved = expectedLoss(optimal.map((l, i) => l + 0.3 * a + 0.2 * b * Math.sin(xs[i]!)));
    assert.ok(moved > atOptimum + 1e-6, `perturbed D has loss ${moved} ≤ optimum ${atOptimum}`);
  }
});

test("dcgan with the hinge options: its phases' losses are the hinge pair on D's logits", () => {
  const data = { dim: 64, shape: [1, 8, 8] as [number, number, number] };
  const config = { ...dcganOptions.parse({}), width: 4, discriminatorLoss: "hinge", generatorLoss: "hinge" } as const;
  const m = new DCGAN(config, data, new Generator(14));
  const x = randomTensor(new Generator(15), [6, 64], { low: 0, high: 1, grad: false, dtype: "float32" });
  const [dPhase, gPhase] = m.trainingPhases();
  // each phase draws its noise from the context's generator: replay the same draws by hand
  const ctx = { generator: new Generator(16), step: 0, epoch: 0 };
  const state = ctx.generator.getState();
  const dLoss = dPhase!.loss(x, ctx).item(),
    gLoss = gPhase!.loss(x, ctx).item();
  const replay = new Generator(0);
  replay.setState(state);
  const byHand = noGrad(() => {
    const fakeD = m.generate(m.noise(6, replay));
    const r = m.score(x).toArray(),
      f = m.score(fakeD).toArray();
    const d = mean(r.map((l) => Math.max(0, 1 - l))) + mean(f.map((l) => Math.max(0, 1 + l)));
    return { d, g: -mean(m.score(m.generate(m.noise(6, replay))).toArray()) };
  });
  // float32 networks, the same operations in the same order: equal up to summation order
  assertClose([dLoss, gLoss], [byHand.d, byHand.g], { atol: 1e-5, rtol: 1e-5 }, "hinge phases");
  // and the logistic default differs on the same draws
  const plain = new DCGAN({ ...dcganOptions.parse({}), width: 4 }, data, new Generator(14));
  const dPlain = plain
    .trainingPhases()[0]!
    .loss(x, { generator: new Generator(16), step: 0, epoch: 0 })
    .item();
  assert.ok(Math.abs(dPlain - dLoss) > 1e-3, `logistic ${dPlain} vs hinge ${dLoss}`);
});
