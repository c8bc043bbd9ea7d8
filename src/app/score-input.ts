/**
 * The images `score` reads: one PNG (any colour type and bit depth), a folder of PNGs, or an NPY array ([n, C, H, W],
 * [n, H, W], [n, dim]), as values in [0, 1] in the run's [C, H, W] layout — through the data layer's hardened reader
 * (declared sizes capped before decoding, every value checked).
 */
import path from "node:path";
import { readImages } from "../data/images.js";
import { DataFormatError } from "../data/formats.js";

export interface ScoreInput {
  values: Float32Array;
  n: number;
  /** a name per image: the file, or the file and row for arrays */
  names: string[];
}

export function readScoreInput(input: string, shape: [number, number, number]): ScoreInput {
  const a = readImages(input, { shape });
  const [n, c, h, w] = a.shape;
  if (c !== shape[0] || h !== shape[1] || w !== shape[2])
    throw new DataFormatError(input, `images are ${c}×${h}×${w}, the model expects ${shape.join("×")}`);
  const names =
    a.files.length === n
      ? a.files.map((f) => path.basename(f))
      : Array.from({ length: n }, (_, i) => `${path.basename(a.files[0] ?? input)}[${i}]`);
  return { values: a.data, n, names };
}
