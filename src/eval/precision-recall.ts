/**
 * Improved precision and recall of a generative model (Kynkäänniemi et al. 2019 [1]). Each point of a set carries a
 * ball reaching its k-th nearest neighbour within the set; the union of balls estimates that set's manifold.
 * Precision: the fraction of generated points inside the real manifold; recall: the fraction of real points inside
 * the generated manifold. [1]: https://arxiv.org/abs/1904.06991
 */
import { forEachDistanceBlock, type Points } from "./distances.js";

/**
 * Squared distance from each point to its k-th nearest neighbour in the same set. The point itself (distance 0) is
 * counted among the neighbours and skipped, as in [1]'s reference definition: the (k+1)-th smallest distance.
 */
export function knnRadii(x: Points, k: number): Float64Array {
  if (!Number.isInteger(k) || k < 1 || k >= x.rows)
    throw new RangeError(`knnRadii: k = ${k} must be an integer in [1, ${x.rows - 1}] for ${x.rows} points`);
  const radii = new Float64Array(x.rows);
  const best = new Float64Array(k + 1);
  forEachDistanceBlock(x, x, (start, rows, dist) => {
    for (let i = 0; i < rows; i++) {
      best.fill(Infinity);
      const row = dist.subarray(i * x.rows, (i + 1) * x.rows);
      for (let j = 0; j < x.rows; j++) {
        const v = j === start + i ? 0 : row[j]!; // a point's distance to itself is exactly 0
        if (v >= best[k]!) continue;
        let p = k; // insertion into the sorted k+1 smallest
        while (p > 0 && best[p - 1]! > v) {
          best[p] = best[p - 1]!;
          p--;
        }
        best[p] = v;
      }
      radii[start + i] = best[k]!;
    }
  });
  return radii;
}

/** Fraction of `query` points within the ball of at least one `ref` point (squared radii `refRadii`). */
export function manifoldCoverage(query: Points, ref: Points, refRadii: Float64Array): number {
  let inside = 0;
  forEachDistanceBlock(query, ref, (_start, rows, dist) => {
    for (let i = 0; i < rows; i++) {
      const off = i * ref.rows;
      for (let j = 0; j < ref.rows; j++) {
        if (dist[off + j]! <= refRadii[j]!) {
          inside++;
          break;
        }
      }
    }
  });
  return query.rows > 0 ? inside / query.rows : 0;
}

export interface PrecisionRecall {
  precision: number;
  recall: number;
  k: number;
}

export function precisionRecall(real: Points, generated: Points, k = 3): PrecisionRecall {
  return {
    precision: manifoldCoverage(generated, real, knnRadii(real, k)),
    recall: manifoldCoverage(real, generated, knnRadii(generated, k)),
    k,
  };
}
