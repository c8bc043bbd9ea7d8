// A 28×28 drawing surface (white ink on black, like MNIST) that also takes a dropped PNG, scaled to 28×28 grey.
import { h } from "./dom.js";

export function drawCanvas({ size = 28, scale = 10, brush = 1.2 } = {}) {
  const values = new Float32Array(size * size);
  const canvas = h("canvas", { class: "pixels draw", width: size, height: size });
  canvas.style.width = canvas.style.height = `${size * scale}px`;
  const ctx = canvas.getContext("2d");
  const listeners = new Set();
  const paint = () => {
    const img = ctx.createImageData(size, size);
    values.forEach((v, i) => {
      img.data.set([v * 255, v * 255, v * 255, 255], i * 4);
    });
    ctx.putImageData(img, 0, 0);
  };
  const changed = () => {
    paint();
    for (const l of listeners) l(values);
  };
  // a soft round brush: full ink within `brush` pixels of the stroke, fading over one more pixel
  const stamp = (cx, cy) => {
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        const ink = Math.min(1, Math.max(0, brush + 1 - d));
        values[y * size + x] = Math.max(values[y * size + x], ink);
      }
  };
  let last = null;
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * size, ((e.clientY - r.top) / r.height) * size];
  };
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture?.(e.pointerId);
    last = at(e);
    stamp(...last);
    paint();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    const p = at(e);
    const steps = Math.ceil(Math.hypot(p[0] - last[0], p[1] - last[1]) * 2) || 1;
    for (let s = 1; s <= steps; s++)
      stamp(last[0] + ((p[0] - last[0]) * s) / steps, last[1] + ((p[1] - last[1]) * s) / steps);
    last = p;
    paint();
  });
  const end = () => {
    if (!last) return;
    last = null;
    changed();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointerleave", end);
  canvas.addEventListener("dragover", (e) => e.preventDefault());
  canvas.addEventListener("drop", async (e) => {
    e.preventDefault();
    const file = e.dataTransfer?.files?.[0];
    if (file) await load(file);
  });
  /** a PNG (or any image the browser reads) scaled to size × size; light backgrounds are inverted to white-on-black */
  async function load(blob) {
    const bmp = await createImageBitmap(blob);
    const off = new OffscreenCanvas(size, size).getContext("2d");
    off.drawImage(bmp, 0, 0, size, size);
    const d = off.getImageData(0, 0, size, size).data;
    let mean = 0;
    for (let i = 0; i < size * size; i++) {
      const a = d[i * 4 + 3] / 255;
      values[i] = ((d[i * 4] + d[i * 4 + 1] + d[i * 4 + 2]) / (3 * 255)) * a;
      mean += values[i] / (size * size);
    }
    if (mean > 0.5) values.forEach((v, i) => (values[i] = 1 - v));
    changed();
  }
  paint();
  return {
    canvas,
    values: () => Array.from(values),
    set(v) {
      values.set(v);
      changed();
    },
    clear() {
      values.fill(0);
      changed();
    },
    load,
    onChange: (l) => listeners.add(l),
  };
}
