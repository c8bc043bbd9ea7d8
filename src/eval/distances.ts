/**
 * Blocked squared Euclidean distances between two point sets through the native GEMM:
 * ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b. Both sets are first centred on the mean of `b` (distances do not
 * change) so the float32 dot products cancel less; norms and the final sums are float64. Rounding of a·b is the only
 * float32 step (about 1e-7 of ‖a‖‖b‖ per entry after centring).
 */
import { noGrad } from "../autograd/tape.js";
import { matmul } from "../ops/linalg.js";
import { tensor } from "../tensor/create.js";

/** A point set: one point per row, row-major (a float64 Matrix, or float32 pixels without a copy). */
export interface Points {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

function centred(p: Points, mean: Float64Array): { x: Float32Array; norms: Float64Array } {
  const x = new Float32Array(p.rows * p.cols),
    norms = new Float64Array(p.rows);
  for (let i = 0; i < p.rows; i++) {
    let s = 0;
    for (let j = 0; j < p.cols; j++) {
      const v = Math.fround(p.data[i * p.cols + j]! - mean[j]!);
      x[i * p.cols + j] = v;
      s += v * v;
    }
    norms[i] = s;
  }
  return { x, norms };
}

/**
 * Calls `visit(start, rows, dist)` for consecutive blocks of rows of `a`, where dist [rows × b.rows] (float64) holds
 * the squared distances from rows start … start+rows−1 of `a` to every row of `b`. Negative round-off becomes 0.
 */
export function forEachDistanceBlock(
  a: Points,
  b: Points,
  visit: (start: number, rows: number, dist: Float64Array) => void,
  blockRows = 256,
): void {
  if (a.cols !== b.cols) throw new TypeError(`distances: point dimensions differ (${a.cols} and ${b.cols})`);
  const d = a.cols;
  const mean = new Float64Array(d);
  for (let i = 0; i < b.rows; i++) for (let j = 0; j < d; j++) mean[j]! += b.data[i * d + j]! / b.rows;
  const ca = centred(a, mean),
    cb = centred(b, mean);
  const bt = tensor(cb.x, [b.rows, d]).T;
  const dist = new Float64Array(blockRows * b.rows);
  noGrad(() => {
    for (let s = 0; s < a.rows; s += blockRows) {
      const r = Math.min(blockRows, a.rows - s);
      const dots = matmul(tensor(ca.x.subarray(s * d, (s + r) * d), [r, d]), bt).data;
      for (let i = 0; i < r; i++) {
        const na = ca.norms[s + i]!;
        for (let j = 0; j < b.rows; j++)
          dist[i * b.rows + j] = Math.max(na + cb.norms[j]! - 2 * dots[i * b.rows + j]!, 0);
      }
      visit(s, r, dist.subarray(0, r * b.rows));
    }
  });
}
