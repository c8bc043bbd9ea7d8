// Images from the API ({n, shape [C,H,W], data: base64 bytes}) drawn as grids on canvases.
import { useEffect, useRef } from "preact/hooks";
import type { WireImages } from "../api";

export function decodeImages(wire: WireImages): Uint8Array {
  const bin = atob(wire.data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

interface GridLayout {
  cols: number;
  pad: number;
}

/** Paints the images into `canvas` (resized to fit), `cols` per row with `pad` grey pixels between them. */
function paintGrid(canvas: HTMLCanvasElement, wire: WireImages, { cols, pad }: GridLayout): void {
  const bytes = decodeImages(wire);
  const [c, hgt, w] = wire.shape;
  const rows = Math.ceil(wire.n / cols);
  const W = cols * (w + pad) + pad;
  const H = rows * (hgt + pad) + pad;
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(W, H);
  img.data.fill(64);
  for (let k = 0; k < wire.n; k++) {
    const gx = pad + (k % cols) * (w + pad);
    const gy = pad + Math.floor(k / cols) * (hgt + pad);
    for (let y = 0; y < hgt; y++)
      for (let x = 0; x < w; x++) {
        const o = ((gy + y) * W + gx + x) * 4;
        for (let ch = 0; ch < 3; ch++) img.data[o + ch] = bytes[((k * c + (c === 3 ? ch : 0)) * hgt + y) * w + x]!;
      }
  }
  for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
  ctx.putImageData(img, 0, 0);
}

/** A canvas with the images in a grid, each pixel `scale` screen pixels. */
export function ImageGrid({
  images,
  cols,
  scale = 3,
  pad = 2,
}: {
  images: WireImages;
  cols?: number;
  scale?: number;
  pad?: number;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const nCols = cols ?? Math.ceil(Math.sqrt(images.n));
  const [, hgt, w] = images.shape;
  const W = nCols * (w + pad) + pad;
  const H = Math.ceil(images.n / nCols) * (hgt + pad) + pad;
  useEffect(() => paintGrid(ref.current!, images, { cols: nCols, pad }), [images, nCols, pad]);
  return (
    <canvas
      ref={ref}
      class="pixels grid"
      data-images={String(images.n)}
      style={{ width: `${W * scale}px`, height: `${H * scale}px` }}
    />
  );
}
