/** Reading user images: every PNG colour type and bit depth, interlaced or not; hostile PNGs; NPY image arrays. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deflateSync } from "node:zlib";
import { data, Generator } from "../../src/index.js";
import { readImages } from "../../src/data/images.js";
import { decodePng } from "../../src/data/png-decode.js";
import { DataFormatError } from "../../src/data/formats.js";
import { chunk, concat, encodePng, ihdr, SAMPLES_PER_PIXEL, SIGNATURE, type PngSpec } from "./png-encoder.js";
import { tempDir } from "../tmp.js";

const tmp = () => tempDir("deepgen-images-");
const COMBOS: Array<[PngSpec["colorType"], PngSpec["depth"][]]> = [
  [0, [1, 2, 4, 8, 16]],
  [2, [8, 16]],
  [3, [1, 2, 4, 8]],
  [4, [8, 16]],
  [6, [8, 16]],
];

/** A random image of the given type: samples uniform over the depth's range (palette indices over the palette). */
function randomPng(g: Generator, colorType: PngSpec["colorType"], depth: PngSpec["depth"], interlace: boolean) {
  const [width, height] = [1 + g.integers(1, 13)[0]!, 1 + g.integers(1, 11)[0]!]; // odd sizes exercise Adam7 edges
  const spp = SAMPLES_PER_PIXEL[colorType];
  const nColors = colorType === 3 ? 1 + g.integers(1, 2 ** depth)[0]! : 0;
  const range = colorType === 3 ? nColors : 2 ** depth;
  const samples = [...g.integers(width * height * spp, range)];
  const palette = colorType === 3 ? [...g.integers(3 * nColors, 256)] : undefined;
  const spec: PngSpec = { width, height, colorType, depth, samples, palette, interlace };
  return { spec, bytes: encodePng(spec) };
}

/**
 * The planar [C, H, W] values the PNG standard defines for these samples: sample / (2^depth − 1), or palette / 255.
 */
function expected(s: PngSpec): { channels: number; values: number[] } {
  const spp = SAMPLES_PER_PIXEL[s.colorType],
    plane = s.width * s.height,
    max = 2 ** s.depth - 1;
  const channels = s.colorType === 3 ? 3 : spp;
  const values = new Array<number>(channels * plane);
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < channels; c++)
      values[c * plane + i] = Math.fround(
        s.colorType === 3 ? s.palette![3 * s.samples[i]! + c]! / 255 : s.samples[i * spp + c]! / max,
      );
  return { channels, values };
}

test("PNG: every colour type and bit depth, plain and Adam7, decodes to the values the standard defines", () => {
  const g = new Generator(11);
  for (const [colorType, depths] of COMBOS)
    for (const depth of depths)
      for (const interlace of [false, true]) {
        const { spec, bytes } = randomPng(g, colorType, depth, interlace);
        const img = decodePng(bytes, "x.png");
        const want = expected(spec);
        const what = `colour type ${colorType}, depth ${depth}, ${interlace ? "Adam7" : "plain"}`;
        assert.equal(img.channels, want.channels, what);
        assert.deepEqual([img.width, img.height], [spec.width, spec.height], what);
        // exact: both sides are the same rational rounded once to float32 (tolerance 0)
        assert.deepEqual([...img.values], want.values, what);
      }
});

test("PNG: the Paeth predictor breaks ties as the standard says (a, then b, then c)", () => {
  // second row, second pixel: a = 110 (left), b = 80 (up), c = 100 (up-left) → |p−b| = |p−c| = 10 < |p−a| = 20
  const spec: PngSpec = { width: 2, height: 2, colorType: 0, depth: 8, samples: [100, 80, 110, 37], filters: [4] };
  assert.deepEqual(
    [...decodePng(encodePng(spec), "t.png").values],
    spec.samples.map((x) => Math.fround(x / 255)),
  );
});

test("readImages and readPngFolder: 1-bit grey and palette PNGs read as intensities, alpha dropped", () => {
  const dir = tmp(),
    g = new Generator(5);
  for (const [colorType, depth] of [
    [0, 1],
    [3, 4],
    [6, 16],
    [4, 8],
  ] as const) {
    const { spec, bytes } = randomPng(g, colorType, depth, false);
    const sub = path.join(dir, `t${colorType}`);
    mkdirSync(sub);
    writeFileSync(path.join(sub, "a.png"), bytes);
    const want = expected(spec);
    const colour = want.channels >= 3 ? 3 : 1,
      plane = spec.width * spec.height;
    const r = readImages(path.join(sub, "a.png"));
    assert.deepEqual(r.shape, [1, colour, spec.height, spec.width]);
    assert.deepEqual([...r.data], want.values.slice(0, colour * plane), `type ${colorType} depth ${depth}`);
    const f = data.readPngFolder(sub);
    assert.deepEqual([...f.values], want.values.slice(0, colour * plane), `folder: type ${colorType} depth ${depth}`);
  }
});

test("readImages: a folder is N images in name order; colour converts to the asked channels; sizes must agree", () => {
  const dir = tmp(),
    g = new Generator(8);
  const rgb: PngSpec = { width: 4, height: 3, colorType: 2, depth: 8, samples: [...g.integers(36, 256)] };
  const grey: PngSpec = { width: 4, height: 3, colorType: 0, depth: 8, samples: [...g.integers(12, 256)] };
  writeFileSync(path.join(dir, "b.png"), encodePng(rgb));
  writeFileSync(path.join(dir, "a.png"), encodePng(grey));
  writeFileSync(path.join(dir, "notes.txt"), "ignored");
  assert.throws(() => readImages(dir), /b\.png: 3×3×4 \(C×H×W\) differs from the folder's first image \(1×3×4\)/);
  const asGrey = readImages(dir, { shape: [1, 3, 4] });
  assert.deepEqual(asGrey.shape, [2, 1, 3, 4]);
  assert.deepEqual(asGrey.files, [path.join(dir, "a.png"), path.join(dir, "b.png")]);
  const luma = Array.from({ length: 12 }, (_, i) => {
    const [r, gg, b] = rgb.samples.slice(3 * i, 3 * i + 3).map((x) => x / 255);
    return 0.299 * r! + 0.587 * gg! + 0.114 * b!;
  });
  // luma is computed in float32 by the reader: tolerance 1e-6
  asGrey.data.subarray(12).forEach((v, i) => assert.ok(Math.abs(v - luma[i]!) < 1e-6, `pixel ${i}`));
  const asRgb = readImages(dir, { shape: [3, 3, 4] });
  for (let c = 0; c < 3; c++)
    assert.deepEqual([...asRgb.data.subarray(c * 12, c * 12 + 12)], expected(grey).values, `grey copied to ${c}`);
  assert.throws(() => readImages(dir, { shape: [1, 28, 28] }), /a\.png: 1×3×4 \(C×H×W\) differs from the expected/);
});

test("PNG: a tiny file declaring huge dimensions is refused before anything is decompressed", () => {
  const bomb = concat([
    SIGNATURE,
    ihdr(100000, 100000, 16, 6),
    chunk("IDAT", deflateSync(new Uint8Array(16))),
    chunk("IEND", new Uint8Array(0)),
  ]);
  assert.ok(bomb.length < 100, `${bomb.length} bytes`);
  const dir = tmp();
  writeFileSync(path.join(dir, "big.png"), bomb);
  assert.throws(
    () => readImages(path.join(dir, "big.png")),
    /big\.png: declares 100000×100000 = 10000000000 pixels, more than the limit of 4194304/,
  );
  assert.throws(() => data.readPngFolder(dir), /declares 100000×100000/);
  // a small declared size whose data inflates far beyond it stops at the declared size
  const zbomb = concat([
    SIGNATURE,
    ihdr(8, 8, 8, 0),
    chunk("IDAT", deflateSync(new Uint8Array(50_000_000))),
    chunk("IEND", new Uint8Array(0)),
  ]);
  assert.throws(() => decodePng(zbomb, "z.png"), /z\.png: .*compressed image data is more than its size implies/);
});

test("PNG: corrupt files are refused with the reason", () => {
  const g = new Generator(3);
  const good = encodePng({ width: 5, height: 4, colorType: 0, depth: 8, samples: [...g.integers(20, 256)] });
  const flip = (at: number) => good.map((b, i) => (i === at ? b ^ 0x10 : b));
  const pal = (samples: number[], palette?: number[]) =>
    encodePng({ width: 2, height: 1, colorType: 3, depth: 8, samples, palette });
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["signature", flip(1), /no PNG signature/],
    ["crc", flip(40), /fails its CRC check/],
    ["truncated", good.subarray(0, good.length - 20), /truncated/],
    ["depth", concat([SIGNATURE, ihdr(2, 2, 4, 2), chunk("IEND", new Uint8Array(0))]), /bit depth 4 is not allowed/],
    ["no plte", pal([0, 0]), /palette image without PLTE/],
    ["index", pal([0, 2], [1, 2, 3, 4, 5, 6]), /palette index 2 but the palette holds 2 colours/],
    [
      "filter",
      encodePng({ width: 2, height: 2, colorType: 0, depth: 8, samples: [1, 2, 3, 4], filters: [7] }),
      /filter/,
    ],
    ["critical", concat([good.subarray(0, 33), chunk("ABCD", new Uint8Array(1)), good.subarray(33)]), /critical/],
    ["empty", concat([SIGNATURE, ihdr(0, 3, 8, 0), chunk("IEND", new Uint8Array(0))]), /declares 0×3/],
  ];
  for (const [name, bytes, why] of cases)
    assert.throws(
      () => decodePng(bytes, `${name}.png`),
      (e: Error) => e instanceof DataFormatError && e.message.startsWith(`${name}.png: `) && why.test(e.message),
      name,
    );
});

test("readImages: NPY arrays of uint8 or [0, 1] floats as [N, C, H, W]; anything else is refused", () => {
  const dir = tmp(),
    g = new Generator(21);
  const u8 = Uint8Array.from(g.integers(3 * 784, 256));
  const npyU8 = (shape: number[]) => {
    const f = data.encodeNpy(new Float32Array(0), shape); // header of the right shape, then retyped to uint8
    const h = new TextDecoder("latin1").decode(f).replace("<f4", "|u1");
    return concat([Uint8Array.from(h, (c) => c.charCodeAt(0)), u8]);
  };
  writeFileSync(path.join(dir, "u.npy"), npyU8([3, 28, 28]));
  const r = readImages(path.join(dir, "u.npy"));
  assert.deepEqual(r.shape, [3, 1, 28, 28]);
  assert.deepEqual(
    [...r.data],
    [...u8].map((x) => Math.fround(x / 255)),
  ); // exact: one float32 rounding each
  const f = Float32Array.from(g.uniform01(2 * 784));
  writeFileSync(path.join(dir, "flat.npy"), data.encodeNpy(f, [2, 784]));
  assert.deepEqual(readImages(path.join(dir, "flat.npy")).shape, [2, 1, 28, 28]);
  assert.deepEqual(readImages(path.join(dir, "flat.npy"), { shape: [1, 49, 16] }).shape, [2, 1, 49, 16]);
  writeFileSync(path.join(dir, "c.npy"), data.encodeNpy(f, [2, 1, 28, 28]));
  assert.deepEqual([...readImages(path.join(dir, "c.npy")).data], [...f]);
  const refuse: Array<[string, Float32Array, number[], RegExp]> = [
    ["over", f.map((x, i) => (i === 17 ? 1.5 : x)), [2, 784], /value 1\.5 at index 17 is outside \[0, 1\]/],
    ["nan", f.map((x, i) => (i === 3 ? NaN : x)), [2, 784], /value NaN at index 3/],
    ["neg", f.map((x, i) => (i === 0 ? -0.25 : x)), [2, 784], /value -0\.25 at index 0/],
    ["flat", f, [4, 392], /rows of 392 values cannot be images of 784/],
    ["rank", f, [2, 2, 2, 14, 14], /expected \[N, H, W\], \[N, D\] or \[N, C, H, W\]/],
    ["one", f, [1568], /holds no image rows/],
    ["empty", new Float32Array(0), [0, 784], /holds no images/],
  ];
  for (const [name, values, shape, why] of refuse) {
    writeFileSync(path.join(dir, `${name}.npy`), data.encodeNpy(values, shape));
    assert.throws(() => readImages(path.join(dir, `${name}.npy`)), why, name);
  }
  const colour = { shape: [3, 28, 28] as [number, number, number] };
  assert.throws(() => readImages(path.join(dir, "c.npy"), colour), /1×28×28 \(C×H×W\), expected 3×28/);
  assert.throws(() => readImages(path.join(dir, "missing")), /missing: no such file or folder/);
  writeFileSync(path.join(dir, "x.txt"), "hello");
  assert.throws(() => readImages(path.join(dir, "x.txt")), /expected a \.png file, a folder of \.png files or a \.npy/);
  assert.throws(() => readImages(path.join(dir, "u.npy"), { maxValues: 1000 }), /exceed the limit of 1000 values/);
});
