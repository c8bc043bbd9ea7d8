// The playground's maps: grid values (row by row from the top) as a heat map, with points over it.

export const MAP_PX = 384;

type Color = (t: number) => [number, number, number];

/** log-density: black through red to yellow */
export const heat: Color = (t) => [
  255 * Math.min(1, 2 * t),
  255 * Math.max(0, 2 * t - 1) * 0.9 + 20 * (1 - t),
  60 * (1 - t),
];
/** the discriminator's D(x) in [0, 1]: blue (fake) to red (real) */
export const diverging: Color = (t) => [255 * t, 90, 255 * (1 - t)];

export interface MapLayers {
  values?: number[];
  grid?: number;
  lo?: number;
  hi?: number;
  color?: Color;
  /** the model's samples, x0 y0 x1 y1 … */
  points: number[];
  /** the training points, x0 y0 x1 y1 … */
  data: number[];
  /** the square [−range, range]² that the map covers */
  range: number;
}

export function drawMap(ctx: CanvasRenderingContext2D, m: MapLayers): void {
  const PX = MAP_PX;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, PX, PX);
  if (m.values && m.grid && m.color) {
    const { grid, color } = m;
    const lo = m.lo ?? 0;
    const hi = m.hi ?? 1;
    const img = new ImageData(grid, grid);
    m.values.forEach((v, i) => {
      const t = Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1)));
      img.data.set([...color(t), 255], i * 4);
    });
    const off = new OffscreenCanvas(grid, grid);
    off.getContext("2d")!.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, PX, PX);
  }
  const dot = (pts: number[], style: string) => {
    ctx.fillStyle = style;
    for (let i = 0; i < pts.length; i += 2)
      ctx.fillRect(
        ((pts[i]! + m.range) / (2 * m.range)) * PX - 1,
        ((m.range - pts[i + 1]!) / (2 * m.range)) * PX - 1,
        2,
        2,
      );
  };
  dot(m.data, "rgba(0,0,0,0.35)");
  dot(m.points, "rgba(230,60,20,0.85)");
}
