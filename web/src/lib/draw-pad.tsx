// A 28×28 drawing surface (white ink on black, like MNIST) that also takes a dropped image, scaled to 28×28 grey.
import { useEffect, useRef, useState } from "preact/hooks";

/** The drawn pixels in [0, 1]; `changed` tells listeners (the canvas, the page) after a finished stroke or load. */
export class Pad {
  readonly values: Float32Array;
  readonly #listeners = new Set<() => void>();
  constructor(readonly size = 28) {
    this.values = new Float32Array(size * size);
  }
  listen(l: () => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  changed(): void {
    for (const l of this.#listeners) l();
  }
  clear(): void {
    this.values.fill(0);
    this.changed();
  }
  pixels(): number[] {
    return Array.from(this.values);
  }
  /** a soft round brush: full ink within `brush` pixels of (cx, cy), fading over one more pixel */
  stamp(cx: number, cy: number, brush = 1.2): void {
    const { size, values } = this;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        const ink = Math.min(1, Math.max(0, brush + 1 - d));
        values[y * size + x] = Math.max(values[y * size + x]!, ink);
      }
  }
  /** an image the browser reads, scaled to size × size grey; light backgrounds are inverted to white-on-black */
  async load(blob: Blob): Promise<void> {
    const { size, values } = this;
    const bmp = await createImageBitmap(blob);
    const off = new OffscreenCanvas(size, size).getContext("2d")!;
    off.drawImage(bmp, 0, 0, size, size);
    const d = off.getImageData(0, 0, size, size).data;
    let mean = 0;
    for (let i = 0; i < size * size; i++) {
      const a = d[i * 4 + 3]! / 255;
      values[i] = ((d[i * 4]! + d[i * 4 + 1]! + d[i * 4 + 2]!) / (3 * 255)) * a;
      mean += values[i]! / (size * size);
    }
    if (mean > 0.5) values.forEach((v, i) => (values[i] = 1 - v));
    this.changed();
  }
}

/** One Pad for the component's lifetime. */
export function usePad(): Pad {
  return useState(() => new Pad())[0];
}

function paint(canvas: HTMLCanvasElement, pad: Pad): void {
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(pad.size, pad.size);
  pad.values.forEach((v, i) => img.data.set([v * 255, v * 255, v * 255, 255], i * 4));
  ctx.putImageData(img, 0, 0);
}

export function DrawPad({ pad, scale = 10 }: { pad: Pad; scale?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const last = useRef<[number, number] | null>(null);
  useEffect(() => {
    paint(ref.current!, pad);
    return pad.listen(() => paint(ref.current!, pad));
  }, [pad]);
  const at = (e: PointerEvent): [number, number] => {
    const r = ref.current!.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * pad.size, ((e.clientY - r.top) / r.height) * pad.size];
  };
  const down = (e: PointerEvent) => {
    ref.current!.setPointerCapture?.(e.pointerId);
    last.current = at(e);
    pad.stamp(...last.current);
    paint(ref.current!, pad);
  };
  const move = (e: PointerEvent) => {
    const from = last.current;
    if (!from) return;
    const p = at(e);
    // stamps every half pixel along the segment, so a fast stroke has no gaps
    const steps = Math.ceil(Math.hypot(p[0] - from[0], p[1] - from[1]) * 2) || 1;
    for (let s = 1; s <= steps; s++)
      pad.stamp(from[0] + ((p[0] - from[0]) * s) / steps, from[1] + ((p[1] - from[1]) * s) / steps);
    last.current = p;
    paint(ref.current!, pad);
  };
  const end = () => {
    if (!last.current) return;
    last.current = null;
    pad.changed();
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    const file = e.dataTransfer?.files?.[0];
    if (file) void pad.load(file);
  };
  const side = `${pad.size * scale}px`;
  return (
    <canvas
      ref={ref}
      class="pixels draw"
      width={pad.size}
      height={pad.size}
      style={{ width: side, height: side }}
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={end}
      onPointerLeave={end}
      onDragOver={(e) => e.preventDefault()}
      onDrop={drop}
    />
  );
}
