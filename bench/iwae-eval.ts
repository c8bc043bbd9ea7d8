/**
 * IWAE-k evaluation speed: `node --import tsx bench/iwae-eval.ts <vae run> [--n 500] [--k 5000] [--rows 256]
 * [--data-dir DIR] [--reference]` times the estimate of log p(x) for the first n test images and prints JSON with
 * wall-clock and CPU seconds, the threads and the load average, and the projection to the 10,000-image test split.
 * `--reference` times the per-image loop (one image's samples per decoder pass, tensor ops throughout) that the fused
 * estimator replaced.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { openRun, runSplit } from "../src/app/runs.js";
import { getNumThreads } from "../src/backend/registry.js";
import { noGrad } from "../src/autograd/tape.js";
import { IWAE_ROWS } from "../src/models/latent/importance.js";
import type { VAE } from "../src/models/latent/vae.js";
import { bceWithLogits } from "../src/ops/loss.js";
import { tensor } from "../src/tensor/create.js";
import { Generator } from "../src/tensor/rng.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { randn } from "../src/tensor/create.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: "string", default: "500" },
    k: { type: "string", default: "5000" },
    rows: { type: "string", default: String(IWAE_ROWS) },
    "data-dir": { type: "string" },
    reference: { type: "boolean", default: false },
  },
});
const target = positionals[0];
if (!target) throw new Error("usage: bench/iwae-eval.ts <vae run> [--n 500] [--k 5000] [--rows 256] [--reference]");
const run = openRun(target);
const model = run.model as unknown as VAE;
model.eval();
const split = runSplit(run, "test", values["data-dir"] ? { dataDir: values["data-dir"] } : {});
const n = Math.min(Number(values.n), split.n),
  k = Number(values.k),
  rows = Number(values.rows);

/** The per-image loop: k samples of one image through the decoder with tensor ops, as before batching. */
function reference(x: Tensor, g: Generator): Float64Array {
  const q = model.encode(x),
    B = x.shape[0]!,
    L = model.latentDim,
    out = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    const lw: number[] = [];
    for (let s = 0; s < k; s += 1000) {
      const kk = Math.min(1000, k - s);
      const eps = randn([kk, L], { generator: g });
      const mu = q.loc.slice(0, b, b + 1),
        ls = q.logScale.slice(0, b, b + 1);
      const z = mu.add(ls.exp().mul(eps));
      const lpx = bceWithLogits(model.decode(z), x.slice(0, b, b + 1), { reduction: "none" })
        .sum(1)
        .neg();
      const lpz = z.square().sum(1).mul(-0.5),
        lq = eps.square().sum(1).mul(-0.5).sub(ls.sum(1));
      lw.push(...lpx.add(lpz).sub(lq).toArray());
    }
    const m = Math.max(...lw);
    out[b] = m + Math.log(lw.reduce((a, v) => a + Math.exp(v - m), 0) / k);
  }
  return out;
}

const batch = 500,
  g = new Generator(run.config.seed);
const load0 = loadavg()[0]!;
const c0 = process.cpuUsage(),
  t0 = performance.now();
let sum = 0;
noGrad(() => {
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const x = tensor(split.values.subarray(s * split.dim, (s + m) * split.dim), [m, split.dim]);
    const lp = values.reference ? reference(x, g) : model.iwae(x, k, g, { rows });
    sum += lp.reduce((a, v) => a + v, 0);
  }
});
const wall = (performance.now() - t0) / 1000,
  cpu = (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6;
const scale = 10000 / n;
console.log(
  JSON.stringify({
    bench: "iwae-eval",
    path: values.reference ? "per-image reference" : "fused",
    model: run.config.model,
    hidden: (run.config.options as { hidden?: number[] }).hidden,
    images: n,
    k,
    rows,
    threads: getNumThreads(),
    load_average: [load0, loadavg()[0]!],
    nll_nats: -sum / n,
    wall_s: wall,
    cpu_s: cpu,
    test_split_wall_s: wall * scale,
    test_split_cpu_s: cpu * scale,
  }),
);
