/** The batched IWAE-k estimator equals the per-image computation with the same noise, for every chunking. */
import { test } from "node:test";
import { Generator, bceWithLogits, randn } from "../../src/index.js";
import { VAE, options as vaeOptions } from "../../src/models/latent/vae.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { assertClose, randomTensor } from "../helpers.js";

/**
 * log (1/k) Σ_j p(x|z_j) p(z_j)/q(z_j|x) for one image after another, with tensor ops and densities written out
 * (log N includes its ½ log 2π terms); each image's noise is one randn([k, L]) draw, the batched estimator's order.
 */
function perImage(vae: VAE, x: Tensor, k: number, g: Generator): number[] {
  const q = vae.encode(x),
    L = vae.latentDim,
    c = 0.5 * Math.log(2 * Math.PI) * L;
  return Array.from({ length: x.shape[0]! }, (_, b) => {
    const eps = randn([k, L], { generator: g });
    const mu = q.loc.slice(0, b, b + 1),
      ls = q.logScale.slice(0, b, b + 1);
    const z = mu.add(ls.exp().mul(eps));
    const logPxz = bceWithLogits(vae.decode(z), x.slice(0, b, b + 1), { reduction: "none" })
      .sum(1)
      .neg();
    const logPz = z.square().sum(1).mul(-0.5).sub(c),
      logQ = eps.square().sum(1).mul(-0.5).sub(ls.sum(1)).sub(c);
    const w = logPxz.add(logPz).sub(logQ).toArray();
    const m = Math.max(...w);
    return m + Math.log(w.reduce((s, v) => s + Math.exp(v - m), 0) / k);
  });
}

test("batched IWAE-k = the per-image estimate with the same seed (samples split across and within images)", () => {
  const vae = new VAE(
    { ...vaeOptions.parse({}), hidden: [9, 7], latent: 3 },
    { dim: 6, shape: [1, 2, 3] },
    new Generator(1),
  );
  for (const p of vae.parameters()) p.data.set(p.toArray().map((v) => v * 2)); // a posterior far from q
  const x = randomTensor(new Generator(2), [11, 6], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);
  // rows 64, k 5: 12 images per decoder pass (a partial last block); rows 7, k 20: three chunks per image; 1 row
  for (const [k, rows] of [
    [5, 64],
    [20, 7],
    [4, 1],
  ] as const) {
    const batched = vae.iwae(x, k, new Generator(3), { rows });
    const reference = perImage(vae, x, k, new Generator(3));
    // float32 decoder and latent arithmetic on both sides, log-mean-exp in float64: agreement to ~1e-5 nats
    assertClose(Array.from(batched), reference, { atol: 1e-4, rtol: 1e-5 }, `k = ${k}, rows = ${rows}`);
  }
});
