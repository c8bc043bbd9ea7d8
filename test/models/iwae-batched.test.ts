/**
 * The IWAE-k estimator: the fused native kernel, the reference loops and a per-image computation with the densities
 * written out agree on the same noise, for every block size and thread count.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Generator,
  bceWithLogits,
  getNumThreads,
  nativeAvailable,
  setBackend,
  setNumThreads,
} from "../../src/index.js";
import { tensor } from "../../src/tensor/create.js";
import { boxMullerNormals, normalBlocks } from "../../src/models/latent/box-muller.js";
import { VAE, options as vaeOptions } from "../../src/models/latent/vae.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { assertClose, randomTensor } from "../helpers.js";

const skipNative = nativeAvailable() ? false : "the native addon is not built";

/**
 * log (1/k) Σ_j p(x|z_j) p(z_j)/q(z_j|x) one image after another with tensor ops, log N written out with its
 * ½ log 2π terms; image b's noise is normals b·k·L … of the stream the generator's next blocks hold.
 */
function perImage(vae: VAE, x: Tensor, k: number, g: Generator): number[] {
  const q = vae.encode(x),
    L = vae.latentDim,
    c = 0.5 * Math.log(2 * Math.PI) * L;
  const { key, counter } = g.claim(normalBlocks(x.shape[0]! * k * L));
  return Array.from({ length: x.shape[0]! }, (_, b) => {
    const eps = tensor(Float32Array.from(boxMullerNormals(key[0], key[1], counter, b * k * L, k * L)), [k, L]);
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

/** A small VAE with doubled weights (a posterior far from q) and random binary images. */
function setup(activation: "tanh" | "relu"): { vae: VAE; x: Tensor } {
  const vae = new VAE(
    { ...vaeOptions.parse({}), hidden: [9, 7], latent: 3, activation },
    { dim: 37, shape: [1, 1, 37] },
    new Generator(1),
  );
  for (const p of vae.parameters()) p.data.set(p.toArray().map((v) => v * 2));
  const x = randomTensor(new Generator(2), [11, 37], { dtype: "float32", grad: false, low: 0, high: 1 }).gt(0.5);
  return { vae, x };
}

// k 5 with rows 64: 12 images per block (a partial last block); k 20 with rows 7: blocks straddle images; one row
const cases = [
  [5, 64],
  [20, 7],
  [4, 1],
] as const;

test("IWAE-k = the per-image estimate with the densities written out, on the same noise", () => {
  for (const activation of ["tanh", "relu"] as const) {
    const { vae, x } = setup(activation);
    for (const [k, rows] of cases) {
      const batched = vae.iwae(x, k, new Generator(3), { rows });
      // float32 decoder and latent arithmetic on both sides, log-mean-exp in float64: agreement to ~1e-5 nats
      const ref = perImage(vae, x, k, new Generator(3));
      assertClose(Array.from(batched), ref, { atol: 1e-4, rtol: 1e-5 }, `${activation}, k = ${k}, rows = ${rows}`);
    }
  }
});

test("the native kernel = the reference loops, for any block size and thread count", { skip: skipNative }, () => {
  const { vae, x } = setup("tanh");
  const threads = getNumThreads();
  try {
    for (const [k, rows] of cases) {
      const native = vae.iwae(x, k, new Generator(3), { rows });
      // blocks and threads change only who computes which row: bit-identical
      for (const [r, t] of [
        [rows + 3, 1],
        [2, 2],
      ] as const) {
        setNumThreads(t);
        assert.deepEqual(vae.iwae(x, k, new Generator(3), { rows: r }), native, `k ${k}, rows ${r}, threads ${t}`);
      }
      setBackend("reference");
      const reference = vae.iwae(x, k, new Generator(3), { rows });
      setBackend("native");
      // float32 kernels (polynomial exp/log/tanh) against float64 loops and Math: measured ~1e-6 nats
      assertClose(Array.from(native), Array.from(reference), { atol: 1e-4, rtol: 1e-6 }, `k = ${k}`);
    }
  } finally {
    setBackend("native");
    setNumThreads(threads);
  }
});

test("the estimate advances the generator past its noise", () => {
  const { vae, x } = setup("tanh");
  const g = new Generator(3),
    before = g.getState().counter;
  const a = vae.iwae(x, 5, g);
  assert.equal(g.getState().counter - before, normalBlocks(11 * 5 * 3));
  const b = vae.iwae(x, 5, g);
  assert.notDeepEqual(a, b, "a second estimate draws new noise");
});
