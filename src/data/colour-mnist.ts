/**
 * Colour MNIST: each 8-bit MNIST digit painted in colour, deterministically. Image i of a raw IDX array draws a
 * foreground hue index f uniform in 0–11 (hues 30° apart) and an offset d uniform in 3–9, so the background hue
 * b = (f + d) mod 12 is at least 90° away; the foreground is the light colour HSV(30°·f, 0.6, 1), the background the
 * dark colour HSV(30°·b, 0.8, 0.3), so the digit's luma exceeds the background's by at least 0.19 (worst case: blue
 * on yellow). With g the grey value /255, every channel is x = g·fg + (1 − g)·bg, rounded to the nearest k/255 so
 * the values stay on the 8-bit grid. Draws come from Generator.derive(seed, 0) for the 60k train images and
 * Generator.derive(seed, 1) for the 10k test images (the same colours whichever split is read first); splits and
 * labels are MNIST's (valid = last 10k of train). Shape [3, 28, 28], channel-major (R, G, B planes). */
import { Generator } from "../tensor/rng.js";
import { idxRows, type IdxDataset, type IdxRaw } from "./idx-dataset.js";
import type { Split, SplitName } from "./split.js";

export const COLOUR_SHAPE: [number, number, number] = [3, 28, 28];
export const COLOUR_HUES = 12;
const FG = { s: 0.6, v: 1 },
  BG = { s: 0.8, v: 0.3 };

/** HSV (hue in degrees) → RGB in [0, 1]. */
export function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h / 60) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

export const foreground = (hue: number): [number, number, number] => hsvToRgb(30 * hue, FG.s, FG.v);
export const background = (hue: number): [number, number, number] => hsvToRgb(30 * hue, BG.s, BG.v);

/** The (foreground, background) hue indices of the n images of one raw array (part 0 = train, 1 = test). */
export function colourHues(seed: number, part: 0 | 1, n: number): { fg: Int32Array; bg: Int32Array } {
  const g = Generator.derive(seed, part);
  const fg = g.integers(n, COLOUR_HUES);
  const offset = g.integers(n, 7);
  const bg = Int32Array.from(fg, (f, i) => (f + 3 + offset[i]!) % COLOUR_HUES);
  return { fg, bg };
}

/** Paints grey bytes (n × 784) with the given hues into n × 2352 values on the 8-bit grid. */
export function paint(grey: Uint8Array, fgHue: ArrayLike<number>, bgHue: ArrayLike<number>): Float32Array {
  const n = grey.length / 784,
    out = new Float32Array(n * 3 * 784);
  for (let i = 0; i < n; i++) {
    const fg = foreground(fgHue[i]!),
      bg = background(bgHue[i]!);
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 784; p++) {
        const g = grey[i * 784 + p]! / 255;
        out[(i * 3 + c) * 784 + p] = Math.round(255 * (g * fg[c]! + (1 - g) * bg[c]!)) / 255;
      }
  }
  return out;
}

/** The colour dataset over MNIST's raw arrays (`load`), painted with colours drawn from `seed`. */
export function colourMnist(name: string, source: string, load: () => IdxRaw, seed = 0): IdxDataset {
  const cache = new Map<SplitName, Split>();
  return {
    name,
    binarization: "none",
    source,
    split(split) {
      let s = cache.get(split);
      if (s) return s;
      const { x, y, from, to } = idxRows(load(), split);
      const hues = colourHues(seed, split === "test" ? 1 : 0, split === "test" ? to : 60000);
      const values = paint(x.subarray(from * 784, to * 784), hues.fg.subarray(from, to), hues.bg.subarray(from, to));
      const labels = Int32Array.from(y.subarray(from, to));
      s = { name: split, n: to - from, dim: 3 * 784, shape: COLOUR_SHAPE, values, labels };
      cache.set(split, s);
      return s;
    },
  };
}
