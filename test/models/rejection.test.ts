/**
 * Discriminator rejection sampling on a 1-D problem with known densities: candidates from p_g = N(0, 1.5²), the
 * optimal discriminator's logit log p_data(x) − log p_g(x) for p_data = N(0.5, 1) in closed form. At γ = 0 the kept
 * draws follow p_data and the acceptance rate is 1/M, M = max p_data / p_g; γ > 0 keeps fewer. Then the adversarial
 * samplers that declare the capability.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import {
  acceptanceProbability,
  checkGamma,
  rejectionSample,
  type CandidateSource,
} from "../../src/models/adversarial/rejection.js";
import { DCGAN, options as dcganOptions } from "../../src/models/adversarial/dcgan.js";
import { noGrad } from "../../src/autograd/tape.js";
import { canReject } from "../../src/models/base.js";
import { createModel, getModelSpec } from "../../src/models/index.js";

/** Φ(x) by the Abramowitz–Stegun 7.1.26 erf (|error| < 1.5e-7, far below the tolerances here). */
function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return 0.5 * (1 + Math.sign(x) * erf);
}
const logNormal = (x: number, mu: number, sd: number): number =>
  -0.5 * ((x - mu) / sd) ** 2 - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);

const G_SD = 1.5,
  DATA_MU = 0.5;
/** D*'s logit: log p_data(x) − log p_g(x) */
const optimalLogit = (x: number): number => logNormal(x, DATA_MU, 1) - logNormal(x, 0, G_SD);
/** p_g's draws and D*'s logits, from `g` */
const gaussianCandidates =
  (g: Generator): CandidateSource =>
  (n) => {
    const values = Float32Array.from(g.normal01(n), (z) => G_SD * z);
    return { values, logits: Array.from(values, optimalLogit) };
  };
// the log-ratio's maximum: d/dx = −(x − 0.5) + x / 2.25 = 0 at x = 0.9
const LOG_M = optimalLogit(0.9);

/** Kolmogorov–Smirnov distance between the draws and N(mu, 1). */
function ksDistance(xs: Float32Array, mu: number): number {
  const s = Float64Array.from(xs).sort();
  let d = 0;
  s.forEach((x, i) => {
    const f = normalCdf(x - mu);
    d = Math.max(d, Math.abs(f - i / s.length), Math.abs((i + 1) / s.length - f));
  });
  return d;
}

test("DRS at γ = 0 with the optimal discriminator: the kept draws follow p_data, the acceptance rate is 1/M", (t) => {
  const n = 20000;
  const r = rejectionSample(n, gaussianCandidates(new Generator(31)), new Generator(32), { gamma: 0 });
  assert.equal(r.values.length, n);
  // KS distance to N(0.5, 1): exact draws exceed 1.95/√n = 0.0138 with probability 0.1%; the proposal p_g itself
  // is at 0.22 from p_data, and keeping with σ(l − l_M) instead of exp(l − l_M) moves the draws by about 0.05
  const ks = ksDistance(r.values, DATA_MU);
  t.diagnostic(`KS distance ${ks.toFixed(4)}; kept ${r.stats.accepted} of ${r.stats.candidates}`);
  assert.ok(ks < 1.95 / Math.sqrt(n), `KS distance to p_data ${ks}`);
  const mean = r.values.reduce((a, b) => a + b, 0) / n;
  // the mean's standard error is 1/√n = 0.007: tolerance 0.03
  assert.ok(Math.abs(mean - DATA_MU) < 0.03, `mean of kept draws ${mean}, p_data's ${DATA_MU}`);
  // 1/M = 0.603 here; the kept fraction's binomial sd over ~33k candidates is 0.003: tolerance 0.015 (l_M is
  // estimated from the 10,000 burn-in draws, a little below the true maximum, which raises the rate slightly)
  t.diagnostic(`acceptance rate ${r.stats.acceptance_rate.toFixed(4)}, 1/M = ${Math.exp(-LOG_M).toFixed(4)}`);
  assert.ok(Math.abs(r.stats.acceptance_rate - Math.exp(-LOG_M)) < 0.015, `rate ${r.stats.acceptance_rate}`);
  assert.ok(r.stats.max_logit <= LOG_M + 1e-9 && r.stats.max_logit > LOG_M - 0.01, `l_M ${r.stats.max_logit}`);
});

test("DRS with a one-draw burn-in: l_M rises to the largest logit seen and the kept draws still follow p_data", (t) => {
  const n = 20000;
  const r = rejectionSample(n, gaussianCandidates(new Generator(41)), new Generator(42), { gamma: 0, burnIn: 1 });
  // the same KS bound as above; a candidate above a stale l_M would be dropped, cutting off p_data's upper tail
  const ks = ksDistance(r.values, DATA_MU);
  t.diagnostic(`KS distance ${ks.toFixed(4)}; kept ${r.stats.accepted} of ${r.stats.candidates}`);
  assert.ok(ks < 1.95 / Math.sqrt(n), `KS distance to p_data ${ks}`);
  assert.ok(Math.abs(r.stats.max_logit - LOG_M) < 0.01, `l_M ${r.stats.max_logit}, log M ${LOG_M}`);
});

test("DRS: σ(F) is exp(l − l_M) at γ = 0, γ shifts its logit; larger γ keeps fewer; one seed, one result", () => {
  for (const [l, lm] of [
    [-3, 0],
    [0.2, 1.7],
    [-0.01, 0],
  ] as const) {
    // ε = 1e-6 changes the probability by ~1e-6 relative: tolerance 1e-5
    assert.ok(Math.abs(acceptanceProbability(l, lm, 0) - Math.exp(l - lm)) < 1e-5);
    const p = acceptanceProbability(l, lm, 0),
      q = acceptanceProbability(l, lm, 2);
    // logit(q) = logit(p) − 2, to rounding
    assert.ok(Math.abs(Math.log(q / (1 - q)) - (Math.log(p / (1 - p)) - 2)) < 1e-9);
  }
  const run = (gamma: number, seed = 33) =>
    rejectionSample(2000, gaussianCandidates(new Generator(seed)), new Generator(seed + 1), { gamma, burnIn: 1000 });
  const [a, b, c] = [run(0), run(0), run(2)];
  assert.deepEqual(a.values, b.values);
  assert.deepEqual(a.stats, b.stats);
  assert.notDeepEqual(run(0, 35).values, a.values);
  assert.ok(c.stats.acceptance_rate < a.stats.acceptance_rate - 0.1, `γ = 2: ${c.stats.acceptance_rate}`);
  for (const bad of [NaN, Infinity]) assert.throws(() => checkGamma(bad), RangeError);
  // a γ that keeps nothing: an error, not an endless loop
  const source = gaussianCandidates(new Generator(1));
  assert.throws(() => rejectionSample(3, source, new Generator(1), { gamma: 1e3, burnIn: 1 }), /candidates kept/);
});

test("dcgan: DRS keeps candidates in order, all as γ → −∞; only logistic unconditional pairs declare it", () => {
  const data = { dim: 64, shape: [1, 8, 8] as [number, number, number] };
  const base = { ...dcganOptions.parse({}), width: 4, noiseDim: 6, init: "uniform" as const };
  const m = new DCGAN(base, data, new Generator(36));
  assert.ok(canReject(m));
  m.train();
  const r = m.rejectionSample(5, new Generator(37), { gamma: -1e3, burnIn: 16, batch: 8 });
  assert.deepEqual([r.stats.accepted, r.stats.candidates], [5, 5]);
  assert.ok(m.generatorNet.training && m.discriminatorNet.training, "training mode not restored");
  // by hand: two burn-in batches of 8, then the first 5 of the next batch, in eval mode
  const g = new Generator(37);
  m.eval();
  const logits: number[] = [];
  const x = noGrad(() => {
    for (let i = 0; i < 2; i++) logits.push(...m.score(m.generate(m.noise(8, g))).toArray());
    const last = m.generate(m.noise(8, g));
    logits.push(...m.score(last).toArray().slice(0, 5));
    return last;
  });
  assert.deepEqual(Array.from(r.x.toArray()), x.toArray().slice(0, 5 * 64));
  // D scored each candidate with its running statistics (batch statistics would give other logits)
  assert.equal(r.stats.max_logit, Math.max(...logits));
  assert.deepEqual(r.x.shape, [5, 64]);
  // an untrained D's logits differ by ~0.003 between images: scaled up 1,000-fold they spread over a few nats, and a
  // strict γ keeps fewer than every candidate; the same seed gives the same images
  for (const p of m.discriminatorNet.fc.parameters()) p.data.forEach((v, i, a) => (a[i] = 1000 * v));
  const strict = m.rejectionSample(5, new Generator(38), { gamma: 2, burnIn: 16, batch: 8 });
  assert.ok(strict.stats.candidates > 5, `γ = 2 kept all ${strict.stats.candidates}`);
  assert.deepEqual(m.rejectionSample(5, new Generator(38), { gamma: 2, burnIn: 16, batch: 8 }), strict);
  const hinge = new DCGAN({ ...base, discriminatorLoss: "hinge" }, data, new Generator(1));
  const conditional = new DCGAN({ ...base, classes: 3 }, data, new Generator(1));
  assert.ok(!canReject(hinge) && !canReject(conditional));
  assert.ok(canReject(createModel(getModelSpec("gan"), {}, data, new Generator(1))));
  assert.ok(!canReject(createModel(getModelSpec("wgan-gp"), {}, data, new Generator(1))));
});
