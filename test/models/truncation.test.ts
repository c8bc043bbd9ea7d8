/**
 * The truncation trick: z drawn from N(0, 1) given |z_i| ≤ ψ — every draw inside the bound, the truncated normal's
 * variance and mass ratios, nothing redrawn when ψ is far out — and the adversarial samplers that take it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import { checkTruncation, truncatedNormal } from "../../src/models/adversarial/truncation.js";
import { DCGAN, options as dcganOptions } from "../../src/models/adversarial/dcgan.js";
import { canTruncate } from "../../src/models/base.js";
import { createModel, getModelSpec } from "../../src/models/index.js";

/** Φ(x) by the Abramowitz–Stegun 7.1.26 erf (|error| < 1.5e-7, far below the tolerances here). */
function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return 0.5 * (1 + Math.sign(x) * erf);
}
const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

test("truncatedNormal: every draw within ψ, the truncated normal's variance and inner-mass fraction", () => {
  for (const psi of [0.5, 1, 2]) {
    const n = 2000,
      d = 100;
    const z = truncatedNormal(n, d, psi, new Generator(21)).toArray();
    assert.equal(z.length, n * d);
    assert.ok(
      z.every((v) => Math.abs(v) <= psi),
      `a draw outside ±${psi}`,
    );
    // Var[z | |z| ≤ ψ] = 1 − 2ψφ(ψ)/(2Φ(ψ) − 1); 200k draws: standard error of the sample variance < 0.003,
    // tolerance 0.01 (about 3.5 standard errors at ψ = 2, more at smaller ψ)
    const mass = 2 * normalCdf(psi) - 1;
    const variance = 1 - (2 * psi * normalPdf(psi)) / mass;
    const m2 = z.reduce((s, v) => s + v * v, 0) / z.length;
    assert.ok(Math.abs(m2 - variance) < 0.01, `ψ = ${psi}: variance ${m2}, truncated normal ${variance}`);
    // P(|z| ≤ ψ/2 | |z| ≤ ψ): a clamp or a uniform redraw would move this; binomial sd < 0.0012, tolerance 0.005
    const inner = z.filter((v) => Math.abs(v) <= psi / 2).length / z.length;
    const expected = (2 * normalCdf(psi / 2) - 1) / mass;
    assert.ok(Math.abs(inner - expected) < 0.005, `ψ = ${psi}: inner fraction ${inner}, expected ${expected}`);
  }
});

test("truncatedNormal: with ψ beyond every draw it is the untruncated draw; ψ must be positive", () => {
  const a = truncatedNormal(50, 8, 1e6, new Generator(22)).toArray();
  const b = Float32Array.from(new Generator(22).normal01(400));
  assert.deepEqual(a, [...b]);
  for (const bad of [0, -1, NaN, Infinity]) assert.throws(() => checkTruncation(bad), RangeError);
  assert.throws(() => truncatedNormal(2, 2, 0, new Generator(1)), RangeError);
});

test("dcgan samples with a truncated latent; a model without a Gaussian input does not claim to", () => {
  const data = { dim: 64, shape: [1, 8, 8] as [number, number, number] };
  // the layers' own uniform initialisation: N(0, 0.02²) weights would leave every untrained sample near σ(0)
  const m = new DCGAN({ ...dcganOptions.parse({}), width: 4, noiseDim: 6, init: "uniform" }, data, new Generator(23));
  assert.ok(canTruncate(m));
  const plain = m.sample(20, new Generator(24)).toArray();
  // a bound no draw reaches leaves the samples as they were; a tight one changes them
  assert.deepEqual(m.sample(20, new Generator(24), { truncation: 1e6 }).toArray(), plain);
  const tight = m.sample(20, new Generator(24), { truncation: 0.2 }).toArray();
  assert.ok(
    tight.some((v, i) => Math.abs(v - plain[i]!) > 1e-3),
    "ψ = 0.2 did not change the samples",
  );
  // with ψ → 0 every sample tends to G(0): the samples' spread shrinks
  const spread = (s: number[]): number => {
    let t = 0;
    for (let i = 0; i < 64; i++) {
      const col = Array.from({ length: 20 }, (_, k) => s[k * 64 + i]!);
      const mu = col.reduce((a, b) => a + b, 0) / 20;
      t += col.reduce((a, b) => a + (b - mu) ** 2, 0);
    }
    return t;
  };
  assert.ok(spread(tight) < 0.5 * spread(plain), `spread ${spread(tight)} vs untruncated ${spread(plain)}`);
  const vae = createModel(getModelSpec("vae"), {}, data, new Generator(1));
  assert.ok(!canTruncate(vae), "the vae declares truncation it does not implement");
});
