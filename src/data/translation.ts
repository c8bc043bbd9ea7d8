/**
 * Two image domains derived from 8-bit MNIST, deterministically, for unpaired translation:
 *
 * - domain A: the digit itself, grey (one channel here; the translation models read it as three equal channels);
 * - domain B (`mnist-textured`): the digit blended into a seeded procedural colour texture the way MNIST-M blends it
 *   into photo crops (Ganin et al. 2016): B_c = |T_c − d| per channel c, where d ∈ [0, 1] is the digit and T the
 *   texture. MNIST-M crops BSDS500 photos; with no photos offline, T_c is a random base colour plus two products of
 *   random low-frequency sinusoids per channel, clamped to [0, 1]. Texture k of a split depends only on (split, k).
 *
 * `mnist-translation` pairs them without pairing the digits: example i of a split holds A = image i and B = the
 * textured image π(i) for a seeded permutation π of the split, stored as channels [A, B_r, B_g, B_b] of one
 * [4, 28, 28] image so that the Trainer's batches carry both domains; its labels are A's. Models split the channels.
 */
import { Generator } from "../tensor/rng.js";
import type { Split, SplitName } from "./split.js";

/** The dataset interface of datasets.ts, restated structurally (datasets.ts imports this file). */
interface Dataset {
  readonly name: string;
  readonly binarization: "none";
  readonly source: string;
  split(name: SplitName): Split;
}

export const TEXTURED = "mnist-textured";
export const TRANSLATION = "mnist-translation";

export const TRANSLATION_DATASETS = [
  {
    name: TEXTURED,
    description: "MNIST-M-style domain: 8-bit digits blended into seeded colour textures as |T - d|, [3,28,28]",
    binarization: "none" as const,
    needsDataDir: false,
  },
  {
    name: TRANSLATION,
    description: "unpaired translation: channel 0 an MNIST digit, channels 1–3 a textured digit of a shuffled index",
    binarization: "none" as const,
    needsDataDir: false,
  },
];

export const isTranslationDataset = (name: string): boolean => name === TEXTURED || name === TRANSLATION;

const PIXELS = 784,
  SIDE = 28;
const TEXTURE_SEED = 0x7e47;
const PAIRING_SEED = 0x9a1e;
const SPLIT_CODE: Record<SplitName, number> = { train: 0, valid: 1, test: 2 };
/** per channel: base colour, then per term amplitude, two frequencies and two phases */
const TERMS = 2;
const PER_CHANNEL = 1 + 5 * TERMS;

/**
 * The texture of image k of a split, [3, 28, 28] in [0, 1]: per channel c,
 * T_c(y, x) = clamp(m_c + Σ_j a_j sin(2π f_j y / 28 + φ_j) sin(2π g_j x / 28 + ψ_j)), with m_c ∈ [0.2, 0.8),
 * a_j ∈ [0.1, 0.35), f_j, g_j ∈ [0.5, 2.5) cycles per image: smooth colour fields with visible structure.
 */
export function texture(split: SplitName, k: number): Float32Array {
  const u = Generator.derive(TEXTURE_SEED, SPLIT_CODE[split], k).uniform01(3 * PER_CHANNEL);
  const out = new Float32Array(3 * PIXELS);
  const rows = new Float64Array(SIDE),
    cols = new Float64Array(SIDE);
  for (let c = 0; c < 3; c++) {
    const p = c * PER_CHANNEL;
    const t = out.subarray(c * PIXELS, (c + 1) * PIXELS).fill(0.2 + 0.6 * u[p]!);
    for (let j = 0; j < TERMS; j++) {
      const q = p + 1 + 5 * j;
      const amp = 0.1 + 0.25 * u[q]!,
        fy = 0.5 + 2 * u[q + 1]!,
        fx = 0.5 + 2 * u[q + 2]!;
      for (let i = 0; i < SIDE; i++) {
        rows[i] = amp * Math.sin((2 * Math.PI * fy * i) / SIDE + 2 * Math.PI * u[q + 3]!);
        cols[i] = Math.sin((2 * Math.PI * fx * i) / SIDE + 2 * Math.PI * u[q + 4]!);
      }
      for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) t[y * SIDE + x]! += rows[y]! * cols[x]!;
    }
    for (let i = 0; i < PIXELS; i++) t[i] = Math.min(1, Math.max(0, t[i]!));
  }
  return out;
}

/** The MNIST-M blend of one digit d [784] into texture T [3, 784]: |T_c − d|, written into `out` [3·784]. */
export function blend(digit: ArrayLike<number>, tex: Float32Array, out: Float32Array): void {
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < PIXELS; i++) out[c * PIXELS + i] = Math.abs(tex[c * PIXELS + i]! - digit[i]!);
}

/** Domain B of a split of 8-bit MNIST: every digit blended into its texture, [n, 3·784], with the digits' labels. */
export function texturedSplit(base: Split): Split {
  const values = new Float32Array(base.n * 3 * PIXELS);
  for (let k = 0; k < base.n; k++)
    blend(
      base.values.subarray(k * PIXELS, (k + 1) * PIXELS),
      texture(base.name, k),
      values.subarray(k * 3 * PIXELS, (k + 1) * 3 * PIXELS),
    );
  return { name: base.name, n: base.n, dim: 3 * PIXELS, shape: [3, SIDE, SIDE], values, labels: base.labels };
}

/** The seeded permutation that picks example i's domain-B image in a split. */
export function pairing(split: SplitName, n: number): Int32Array {
  return Generator.derive(PAIRING_SEED, SPLIT_CODE[split]).permutation(n);
}

/**
 * The unpaired examples of a split: channel 0 = A image i, channels 1–3 = B image π(i); labels are A's. The textured
 * images are blended straight into place (the split is not kept twice).
 */
export function translationSplit(base: Split): Split {
  const perm = pairing(base.name, base.n);
  const D = 4 * PIXELS;
  const values = new Float32Array(base.n * D);
  for (let i = 0; i < base.n; i++) {
    values.set(base.values.subarray(i * PIXELS, (i + 1) * PIXELS), i * D);
    const j = perm[i]!;
    const digit = base.values.subarray(j * PIXELS, (j + 1) * PIXELS);
    blend(digit, texture(base.name, j), values.subarray(i * D + PIXELS, (i + 1) * D));
  }
  return { name: base.name, n: base.n, dim: D, shape: [4, SIDE, SIDE], values, labels: base.labels };
}

/** `mnist-textured` or `mnist-translation` over the splits of 8-bit MNIST (`mnist` of datasets.ts). */
export function translationDataset(name: string, mnist: (s: SplitName) => Split, source: string): Dataset {
  if (!isTranslationDataset(name)) throw new RangeError(`not a translation dataset: "${name}"`);
  const cache = new Map<SplitName, Split>();
  return {
    name,
    binarization: "none",
    source,
    split(s) {
      let out = cache.get(s);
      if (!out) cache.set(s, (out = name === TEXTURED ? texturedSplit(mnist(s)) : translationSplit(mnist(s))));
      return out;
    },
  };
}

/** Grey images [n, 784] as three equal channels [n, 3·784]: domain A as the translation models read it. */
export function greyToRgb(grey: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * 3 * PIXELS);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++) out.set(grey.subarray(i * PIXELS, (i + 1) * PIXELS), (3 * i + c) * PIXELS);
  return out;
}

/** Colour images [n, 3·784] to grey [n, 784] by the mean of the channels (for the grey-digit classifier). */
export function rgbToGrey(rgb: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * PIXELS);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < PIXELS; p++) {
      const at = 3 * i * PIXELS + p;
      out[i * PIXELS + p] = (rgb[at]! + rgb[at + PIXELS]! + rgb[at + 2 * PIXELS]!) / 3;
    }
  return out;
}
