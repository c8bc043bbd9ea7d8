// Images from the API ({n, shape [C,H,W], data: base64 bytes}) drawn as grids on canvases.
export function decodeImages(wire) {
  const bin = atob(wire.data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return { n: wire.n, shape: wire.shape, bytes };
}

/** A canvas with the images in a grid of `cols` columns, each pixel `scale` screen pixels. */
export function imageGrid(wire, { cols = Math.ceil(Math.sqrt(wire.n)), scale = 3, pad = 2 } = {}) {
  const { n, shape, bytes } = decodeImages(wire);
  const [c, hgt, w] = shape;
  const rows = Math.ceil(n / cols);
  const W = cols * (w + pad) + pad,
    H = rows * (hgt + pad) + pad;
  const canvas = document.createElement("canvas");
  canvas.width = W;
  canvas.height = H;
  canvas.className = "pixels grid";
  canvas.style.width = `${W * scale}px`;
  canvas.style.height = `${H * scale}px`;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(W, H);
  img.data.fill(64);
  for (let k = 0; k < n; k++) {
    const gx = pad + (k % cols) * (w + pad),
      gy = pad + Math.floor(k / cols) * (hgt + pad);
    for (let y = 0; y < hgt; y++)
      for (let x = 0; x < w; x++) {
        const o = ((gy + y) * W + gx + x) * 4;
        for (let ch = 0; ch < 3; ch++) img.data[o + ch] = bytes[((k * c + (c === 3 ? ch : 0)) * hgt + y) * w + x];
      }
  }
  for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
  ctx.putImageData(img, 0, 0);
  canvas.dataset.images = String(n);
  return canvas;
}
