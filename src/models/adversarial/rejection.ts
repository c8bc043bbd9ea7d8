/**
 * Discriminator rejection sampling, DRS (Azadi et al. 2019, https://arxiv.org/abs/1810.06758): candidates drawn from
 * the generator are kept or dropped by what the discriminator says of them. An optimal logistic discriminator has
 * D*(x) = p_data / (p_data + p_g), so its logit l(x) = log p_data(x) − log p_g(x), and classic rejection sampling
 * with the bound M = max p_data / p_g = exp(l_M) keeps x with probability exp(l(x) − l_M), which turns draws of p_g
 * into draws of p_data. The paper's practical form (its §3.2) takes l_M as the largest logit seen — over a burn-in
 * set of candidates, raised whenever a later candidate exceeds it — and accepts with probability σ(F(x)),
 *
 *   F(x) = l(x) − l_M − log(1 − exp(l(x) − l_M − ε)) − γ,
 *
 * whose σ is exactly exp(l(x) − l_M) at γ = 0 (ε → 0), as log(p / (1 − p)) = log p − log(1 − p); ε keeps
 * the logarithm finite at l(x) = l_M, and γ shifts the acceptance logit: γ > 0 keeps fewer, more typical candidates,
 * γ < 0 keeps more. With a real discriminator the logit only estimates the density ratio, so the kept images are
 * the model's samples reweighted by D, not a model's distribution.
 */
import type { Generator } from "../../tensor/rng.js";

/** ε of F(x), keeping log(1 − exp(·)) finite when a candidate's logit is the largest seen. */
export const DRS_EPSILON = 1e-6;
/** Candidates scored before sampling to estimate l_M (none of them is returned). */
export const DRS_BURN_IN = 10000;
/** Candidates generated and scored at a time. */
export const DRS_BATCH = 500;

export interface RejectionOptions {
  /** γ: the shift of the acceptance logit (0: the paper's exact ratio) */
  gamma: number;
  /** candidates that only estimate l_M (default DRS_BURN_IN) */
  burnIn?: number;
  /** candidates per draw (default DRS_BATCH) */
  batch?: number;
}

/** What a DRS run did. */
export interface RejectionStats {
  gamma: number;
  /** candidates drawn after the burn-in, up to the last one examined */
  candidates: number;
  accepted: number;
  /** accepted / candidates */
  acceptance_rate: number;
  burn_in: number;
  /** l_M at the end: the largest logit seen */
  max_logit: number;
}

/** γ must be a finite number. */
export function checkGamma(gamma: number): number {
  if (!Number.isFinite(gamma)) throw new RangeError(`DRS γ must be a finite number, not ${gamma}`);
  return gamma;
}

/** σ(F(x)): the probability of keeping a candidate with logit `logit` when the largest seen is `maxLogit` ≥ it. */
export function acceptanceProbability(logit: number, maxLogit: number, gamma: number): number {
  const d = logit - maxLogit;
  const f = d - Math.log1p(-Math.exp(d - DRS_EPSILON)) - gamma;
  return 1 / (1 + Math.exp(-f));
}

/** `n` candidates: their values (rows of `dim` numbers) and the discriminator's logit of each. */
export type CandidateSource = (n: number) => { values: Float32Array; logits: ArrayLike<number> };

/**
 * n accepted candidates, their rows concatenated. `draw` makes candidates; the uniforms that decide acceptance come
 * from `generator` after each batch, so the result is fixed by the generator's state (and `draw`'s, if it uses the
 * same one).
 */
export function rejectionSample(
  n: number,
  draw: CandidateSource,
  generator: Generator,
  o: RejectionOptions,
): { values: Float32Array; stats: RejectionStats } {
  const gamma = checkGamma(o.gamma),
    burnIn = o.burnIn ?? DRS_BURN_IN,
    batch = o.batch ?? DRS_BATCH;
  let maxLogit = -Infinity;
  for (let done = 0; done < burnIn; done += batch)
    for (const l of Array.from(draw(Math.min(batch, burnIn - done)).logits)) maxLogit = Math.max(maxLogit, l);
  const kept: Float32Array[] = [];
  let candidates = 0;
  while (kept.length < n) {
    const { values, logits } = draw(batch);
    const dim = values.length / batch,
      u = generator.uniform01(batch);
    for (let i = 0; i < batch && kept.length < n; i++) {
      const l = logits[i]!;
      if (!Number.isFinite(l)) throw new RangeError(`DRS: the discriminator gave a logit of ${l}`);
      maxLogit = Math.max(maxLogit, l);
      candidates++;
      if (u[i]! < acceptanceProbability(l, maxLogit, gamma)) kept.push(values.subarray(i * dim, (i + 1) * dim));
    }
    if (candidates > MAX_CANDIDATES_PER_SAMPLE * n && kept.length < n)
      throw new RangeError(
        `DRS: ${kept.length} of ${candidates} candidates kept at γ = ${gamma}; lower γ to keep more`,
      );
  }
  const dim = kept[0]?.length ?? 0,
    values = new Float32Array(n * dim);
  kept.forEach((row, i) => values.set(row, i * dim));
  const stats = { gamma, candidates, accepted: n, acceptance_rate: n / candidates, burn_in: burnIn };
  return { values, stats: { ...stats, max_logit: maxLogit } };
}

/** Past this many candidates per requested sample DRS gives up (an acceptance rate below 0.1%). */
const MAX_CANDIDATES_PER_SAMPLE = 1000;
