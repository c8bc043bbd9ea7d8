/**
 * Parameter counts of every factorisation of p(x_1..x_N) over binary pixels — exact integers, however large — and,
 * for N ≤ 16, tabular models fitted on image patches whose free-parameter counts and test NLL confirm the formulas.
 */
import { loadDataset } from "../data/datasets.js";
import { TabularAR } from "../models/autoregressive/tabular.js";
import { madeMasks } from "../models/autoregressive/made-masks.js";
import { tensor } from "../tensor/create.js";

export function parameterCounts(
  N: number,
  H: number,
  k: number,
): Array<{ model: string; parameters: bigint; formula: string }> {
  const n = BigInt(N),
    h = BigInt(H);
  let ark = 0n;
  for (let i = 0; i < N; i++) ark += 1n << BigInt(Math.min(i, k));
  return [
    { model: "full joint", parameters: (1n << n) - 1n, formula: "2^N − 1" },
    { model: "fully independent", parameters: n, formula: "N" },
    {
      model: "chain rule, tabular conditionals",
      parameters: (1n << n) - 1n,
      formula: "Σ_{i=1..N} 2^(i−1) = 2^N − 1",
    },
    { model: "Markov AR(1)", parameters: 2n * n - 1n, formula: "1 + 2(N − 1) = 2N − 1" },
    { model: `AR(${k}), tabular`, parameters: ark, formula: "Σ_i 2^min(i−1, k)" },
    { model: "FVSBN", parameters: (n * (n + 1n)) / 2n, formula: "N(N − 1)/2 weights + N biases" },
    { model: `NADE(H=${H})`, parameters: 2n * n * h + n + h, formula: "W, V: N·H each; b: N; c: H" },
    {
      model: `MADE(H=${H}), one hidden layer`,
      parameters: 2n * n * h + n + h,
      formula: "dense storage N·H + H·N + H + N (masks zero about half)",
    },
  ];
}

/** The central 4×4 patch of each 28×28 image, first N pixels in raster order. */
function patches(values: Float32Array, n: number, N: number): Float32Array {
  const out = new Float32Array(n * N);
  for (let r = 0; r < n; r++)
    for (let p = 0; p < N; p++) out[r * N + p] = values[r * 784 + (12 + Math.floor(p / 4)) * 28 + 12 + (p % 4)]!;
  return out;
}

export interface ParamCountRow {
  model: string;
  parameters: string;
  formula: string;
  fitted_parameters?: string;
  test_nll_nats?: number;
  unmasked_weights?: string;
}

/**
 * The table of `deepgen params`: counts for N pixels (H hidden units, AR(k) context) and, for N ≤ 16, fitted tabular
 * models on the central 4×4 patch of `data` (test NLL in nats per patch, Laplace smoothing).
 */
export function paramCounts(o: {
  pixels: number;
  hidden: number;
  k: number;
  data: string;
  dataDir?: string;
}): ParamCountRow[] {
  const N = o.pixels;
  const rows: ParamCountRow[] = parameterCounts(N, o.hidden, o.k).map((r) => ({
    model: r.model,
    parameters: r.parameters.toString(),
    formula: r.formula,
  }));
  if (N <= 16) {
    const ds = loadDataset(o.data, o.dataDir);
    const tr = ds.split("train"),
      te = ds.split("test");
    const xtr = patches(tr.values, tr.n, N),
      xte = patches(te.values, te.n, N);
    const fitted: Array<[string, number]> = [
      ["fully independent", 0],
      ["Markov AR(1)", 1],
      [`AR(${o.k}), tabular`, o.k],
      ["chain rule, tabular conditionals", N - 1],
    ];
    for (const [name, k] of fitted) {
      const m = new TabularAR({ k, alpha: 1 }, { dim: N, shape: [1, 1, N] });
      m.fitCounts(xtr, tr.n);
      const nll = -m.logLikelihood(tensor(xte, [te.n, N])).logp.reduce((a, b) => a + b, 0) / te.n;
      const row = rows.find((r) => r.model === name)!;
      row.fitted_parameters = m.freeParameters().toString();
      row.test_nll_nats = +nll.toFixed(4);
    }
    // the full joint as one table over 2^N images
    const K = 2 ** N,
      counts = new Float64Array(K);
    const code = (x: Float32Array, r: number) => {
      let c = 0;
      for (let i = 0; i < N; i++) c |= (x[r * N + i]! > 0.5 ? 1 : 0) << i;
      return c;
    };
    for (let r = 0; r < tr.n; r++) counts[code(xtr, r)]!++;
    let nll = 0;
    for (let r = 0; r < te.n; r++) nll -= Math.log((counts[code(xte, r)]! + 1) / (tr.n + K));
    const joint = rows.find((r) => r.model === "full joint")!;
    joint.fitted_parameters = String(K - 1);
    joint.test_nll_nats = +(nll / te.n).toFixed(4);
    // MADE: connections its mask actually keeps
    const masks = madeMasks(N, [o.hidden], 0, 0, false).masks;
    rows.find((r) => String(r.model).startsWith("MADE"))!.unmasked_weights = masks
      .reduce((s, m) => s + m.toArray().reduce((a, b) => a + b, 0), 0)
      .toString();
  }
  return rows;
}
