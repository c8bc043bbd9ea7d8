/**
 * The images `score` reads: one PNG, a folder of PNGs, or an NPY array ([n, C, H, W], [n, H, W], [n, dim] or one
 * image), as values in [0, 1] in the run's [C, H, W] layout. A small reader of its own until the data layer has a
 * general one.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { decode } from "fast-png";
import { DataFormatError, parseNpy } from "../data/formats.js";
import { readPngFolder } from "../data/png.js";

export interface ScoreInput {
  values: Float32Array;
  n: number;
  /** a name per image: the file, or the file and row for arrays */
  names: string[];
}

const fmtShape = (s: readonly number[]): string => s.join("×");

function readPng(file: string): { values: Float32Array; shape: [number, number, number] } {
  let img;
  try {
    img = decode(readFileSync(file));
  } catch (e) {
    throw new DataFormatError(file, `not a readable PNG (${(e as Error).message})`);
  }
  const keep = img.channels === 2 || img.channels === 4 ? img.channels - 1 : img.channels; // drop alpha
  const P = img.height * img.width,
    max = img.depth === 16 ? 65535 : 255,
    values = new Float32Array(keep * P);
  for (let c = 0; c < keep; c++) for (let i = 0; i < P; i++) values[c * P + i] = img.data[i * img.channels + c]! / max;
  return { values, shape: [keep, img.height, img.width] };
}

/** An NPY array as n images of the run's shape: uint8 is divided by 255, float32 must already lie in [0, 1]. */
function readNpy(file: string, shape: [number, number, number]): { values: Float32Array; n: number } {
  const a = parseNpy(readFileSync(file), file);
  const dim = shape[0] * shape[1] * shape[2];
  // one image or a stack of them, each as [C, H, W], [H, W] (one channel) or flat
  const forms = [fmtShape(shape), String(dim), ...(shape[0] === 1 ? [fmtShape(shape.slice(1))] : [])];
  if (!forms.includes(fmtShape(a.shape)) && !(a.shape.length >= 2 && forms.includes(fmtShape(a.shape.slice(1)))))
    throw new DataFormatError(
      file,
      `array of shape ${fmtShape(a.shape)} does not hold images of ${fmtShape(shape)}; ` +
        `expected [n, ${shape.join(", ")}], [n, ${dim}] or one image`,
    );
  const values = a.dtype === "|u1" ? Float32Array.from(a.data, (v) => v / 255) : Float32Array.from(a.data);
  const bad = values.findIndex((v) => !(v >= 0 && v <= 1));
  if (bad >= 0) throw new DataFormatError(file, `value ${values[bad]} at position ${bad} is outside [0, 1]`);
  return { values, n: values.length / dim };
}

export function readScoreInput(input: string, shape: [number, number, number]): ScoreInput {
  let stat;
  try {
    stat = statSync(input);
  } catch {
    throw new DataFormatError(input, "no such file or folder");
  }
  const want = fmtShape(shape);
  if (stat.isDirectory()) {
    const f = readPngFolder(input);
    if (fmtShape(f.shape) !== want)
      throw new DataFormatError(input, `images are ${fmtShape(f.shape)}, the model expects ${want}`);
    return { values: f.values, n: f.n, names: f.files };
  }
  const ext = path.extname(input).toLowerCase();
  if (ext === ".png") {
    const img = readPng(input);
    if (fmtShape(img.shape) !== want)
      throw new DataFormatError(input, `image is ${fmtShape(img.shape)}, the model expects ${want}`);
    return { values: img.values, n: 1, names: [path.basename(input)] };
  }
  if (ext === ".npy") {
    const a = readNpy(input, shape);
    return { ...a, names: Array.from({ length: a.n }, (_, i) => `${path.basename(input)}[${i}]`) };
  }
  throw new DataFormatError(input, "expected a .png file, a .npy file or a folder of .png files");
}
