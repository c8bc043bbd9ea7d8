/**
 * MADE's masks (Germain et al. 2015, §4): each unit gets a degree (an input its rank in the ordering, a hidden
 * unit a draw in [min of the layer below, D − 1]), and a unit sees those of degree ≤ its own (strictly less into
 * the outputs). Mask k is recomputed from (seed, k), never stored.
 */
import { zeros } from "../../tensor/create.js";
import { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";

export interface MaskSet {
  order: Int32Array;
  masks: Tensor[];
}

/** The ordering of mask k: the raster order for mask 0 and unless order-agnostic, else a permutation from its seed. */
export function madeOrder(D: number, k: number, seed: number, orderAgnostic: boolean): Int32Array {
  return maskOrder(Generator.derive(seed, k), D, k, orderAgnostic);
}

function maskOrder(g: Generator, D: number, k: number, orderAgnostic: boolean): Int32Array {
  return k > 0 && orderAgnostic ? g.permutation(D) : Int32Array.from({ length: D }, (_, i) => i);
}

/**
 * Degrees and masks for mask k: input degree = rank in the ordering; hidden degrees uniform in [min prev, D−1].
 * With `into` (the masks of another set, same shapes) the masks are written there instead of into fresh memory.
 */
export function madeMasks(
  D: number,
  hidden: number[],
  k: number,
  seed: number,
  orderAgnostic: boolean,
  into?: Tensor[],
): MaskSet {
  const g = Generator.derive(seed, k);
  const order = maskOrder(g, D, k, orderAgnostic);
  const inDeg = new Int32Array(D);
  order.forEach((pixel, rank) => (inDeg[pixel] = rank + 1));
  const degrees: Int32Array[] = [inDeg];
  for (const h of hidden) {
    const prev = degrees[degrees.length - 1]!;
    const lo = Math.min(...prev, D - 1);
    degrees.push(Int32Array.from(g.integers(h, D - lo), (v) => v + lo));
  }
  const masks: Tensor[] = [];
  for (let l = 0; l <= hidden.length; l++) {
    const last = l === hidden.length;
    masks.push(degreeMask(degrees[l]!, last ? inDeg : degrees[l + 1]!, last, into?.[l]));
  }
  return { order, masks };
}

/** [out, in] mask: unit o sees unit i when deg(o) ≥ deg(i), or deg(o) > deg(i) into the outputs (strict). */
function degreeMask(din: Int32Array, dout: Int32Array, strict: boolean, into?: Tensor): Tensor {
  const n = din.length,
    mask = into ?? zeros([dout.length, n]),
    m = mask.data;
  // a row depends only on its unit's degree (at most D values), so each distinct row is built once and copied
  const rows = new Map<number, Float32Array>();
  for (let o = 0; o < dout.length; o++) {
    // deg(o) > deg(i) is deg(o) − 1 ≥ deg(i) for integer degrees
    const d = strict ? dout[o]! - 1 : dout[o]!;
    let row = rows.get(d);
    if (!row) {
      row = new Float32Array(n);
      for (let i = 0; i < n; i++) row[i] = din[i]! <= d ? 1 : 0;
      rows.set(d, row);
    }
    m.set(row, o * n);
  }
  return mask;
}

/** The direct input→output mask of an ordering: logit i sees x_j when j comes before i. */
export function directMask(order: Int32Array): Tensor {
  const deg = new Int32Array(order.length);
  order.forEach((pixel, rank) => (deg[pixel] = rank + 1));
  return degreeMask(deg, deg, true);
}
