/**
 * Overlaid histograms of two sets of scores as a PNG, one panel per score, stacked top to bottom: the first set in
 * blue, the second in orange, their overlap in a darker mix. Bins are even over the 0.5th–99.5th percentile of both
 * sets together (values outside go to the end bins); each set's bars are its fraction of images per bin, so sets of
 * different sizes compare. No text: the caller says which panel is which.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { encode } from "fast-png";
import { writeFileAtomic } from "../util/fs.js";

export interface HistogramPanel {
  first: ArrayLike<number>;
  second: ArrayLike<number>;
}

const BLUE = [52, 120, 220],
  ORANGE = [240, 150, 30],
  BOTH = [110, 90, 110],
  AXIS = [40, 40, 40];

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}

/** Fractions per bin of `v` over [lo, hi] in `bins` even bins, clamping outliers into the end bins. */
export function binFractions(v: ArrayLike<number>, lo: number, hi: number, bins: number): Float64Array {
  const out = new Float64Array(bins),
    width = hi > lo ? (hi - lo) / bins : 1;
  for (let i = 0; i < v.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor((v[i]! - lo) / width)));
    out[b]! += 1 / v.length;
  }
  return out;
}

/** Writes the panels as one RGB PNG, `width` × `panelHeight` pixels each, atomically. */
export function writeHistogramsPng(
  file: string,
  panels: HistogramPanel[],
  o: { bins?: number; width?: number; panelHeight?: number } = {},
): void {
  const bins = o.bins ?? 60,
    W = o.width ?? 360,
    PH = o.panelHeight ?? 120,
    pad = 6;
  const H = panels.length * PH;
  const img = new Uint8Array(W * H * 3).fill(255);
  const put = (x: number, y: number, c: number[]) => img.set(c, (y * W + x) * 3);
  panels.forEach((p, k) => {
    const all = [...Array.from(p.first), ...Array.from(p.second)].sort((a, b) => a - b);
    const lo = quantile(all, 0.005),
      hi = quantile(all, 0.995);
    const a = binFractions(p.first, lo, hi, bins),
      b = binFractions(p.second, lo, hi, bins);
    const top = Math.max(...a, ...b) || 1;
    const y0 = k * PH + PH - pad,
      barW = (W - 2 * pad) / bins;
    for (let x = pad; x < W - pad; x++) {
      const bin = Math.min(bins - 1, Math.floor((x - pad) / barW));
      const ha = Math.round((a[bin]! / top) * (PH - 2 * pad)),
        hb = Math.round((b[bin]! / top) * (PH - 2 * pad));
      for (let h = 0; h < Math.max(ha, hb); h++) put(x, y0 - 1 - h, h < ha && h < hb ? BOTH : h < ha ? BLUE : ORANGE);
      put(x, y0, AXIS);
    }
    for (let x = 0; x < W; x++) put(x, k * PH, [200, 200, 200]); // panel separator
  });
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, encode({ width: W, height: H, data: img, channels: 3, depth: 8 }));
}
