// The 2-D playground: a toy distribution, a small model trained live in a few seconds, and what it has learnt —
// its density as a heat map, its samples as points, and for the GAN the discriminator's field.
import { api } from "../api.js";
import { lineChart } from "../lib/chart.js";
import { fmt, h } from "../lib/dom.js";

export const title = "2-D playground";

const PX = 384;

/** a heat map of grid values (row by row from the top) scaled to [lo, hi], with points over it */
function drawMap(canvas, { values, grid, lo, hi, color, points = [], data = [], range }) {
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, PX, PX);
  if (values) {
    const img = new ImageData(grid, grid);
    values.forEach((v, i) => {
      const t = Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1)));
      img.data.set([...color(t), 255], i * 4);
    });
    const off = new OffscreenCanvas(grid, grid);
    off.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, PX, PX);
  }
  const dot = (pts, style) => {
    ctx.fillStyle = style;
    for (let i = 0; i < pts.length; i += 2)
      ctx.fillRect(((pts[i] + range) / (2 * range)) * PX - 1, ((range - pts[i + 1]) / (2 * range)) * PX - 1, 2, 2);
  };
  dot(data, "rgba(0,0,0,0.35)");
  dot(points, "rgba(230,60,20,0.85)");
}

const heat = (t) => [255 * Math.min(1, 2 * t), 255 * Math.max(0, 2 * t - 1) * 0.9 + 20 * (1 - t), 60 * (1 - t)];
const diverging = (t) => [255 * t, 90, 255 * (1 - t)];

export async function mount(root) {
  const { datasets, models } = await api.get("/toy");
  const dataSel = h(
    "select",
    { name: "data" },
    datasets.map((d) => h("option", { value: d, text: d })),
  );
  const modelSel = h(
    "select",
    { name: "model" },
    [
      ["ar", "autoregressive mixture p(x1) p(x2|x1)"],
      ["vae", "2-D VAE"],
      ["gan", "2-D GAN"],
    ]
      .filter(([m]) => models.includes(m))
      .map(([v, t]) => h("option", { value: v, text: t })),
  );
  const steps = h("input", { type: "number", name: "steps", value: 1000, min: 50, step: 50 });
  const status = h("p", { class: "muted status" });
  const mapCanvas = h("canvas", { class: "map", width: PX, height: PX });
  const fieldCanvas = h("canvas", { class: "field", width: PX, height: PX, hidden: true });
  const chartEl = h("div");
  let chart = null,
    stop = null;
  const start = () => {
    stop?.();
    chart?.destroy();
    let setup = null;
    const xs = [],
      ys = {};
    const q = new URLSearchParams({ data: dataSel.value, model: modelSel.value, steps: steps.value, seed: "0" });
    root.dataset.state = "training";
    stop = api.events(`/toy/train?${q}`, ["start", "snapshot", "done", "error"], (type, e) => {
      if (type === "start") {
        setup = e;
        chartEl.replaceChildren();
        chart = lineChart(chartEl, {
          title: "loss per phase",
          xLabel: "step",
          yLabel: "loss",
          series: e.phases,
          width: 420,
          height: 220,
        });
        for (const p of e.phases) ys[p] = [];
        fieldCanvas.hidden = !e.phases.includes("discriminator");
        status.textContent =
          `${e.model}: ${e.parameters} parameters, phases ${e.phases.join(" + ")}, ` +
          `capabilities ${e.capabilities.join(", ")}`;
        drawMap(mapCanvas, { data: e.data, range: e.range });
      } else if (type === "snapshot") {
        xs.push(e.step);
        for (const p of setup.phases) ys[p].push(e.losses[p]);
        chart.set(xs, ...setup.phases.map((p) => ys[p]));
        const d = e.logDensity;
        const hi = d ? Math.max(...d) : 0;
        drawMap(mapCanvas, {
          values: d,
          grid: setup.grid,
          lo: hi - 8,
          hi,
          color: heat,
          points: e.samples ?? [],
          data: setup.data,
          range: setup.range,
        });
        if (e.discriminator)
          drawMap(fieldCanvas, {
            values: e.discriminator,
            grid: setup.grid,
            lo: 0,
            hi: 1,
            color: diverging,
            points: e.samples ?? [],
            data: setup.data,
            range: setup.range,
          });
        root.dataset.step = String(e.step);
        status.textContent =
          `step ${e.step}: ` +
          Object.entries(e.losses)
            .map(([k, v]) => `${k} ${fmt(v, 3)}`)
            .join(", ") +
          (e.estimator ? ` (density: ${e.estimator})` : "");
      } else if (type === "done") root.dataset.state = "done";
      else if (type === "error") {
        root.dataset.state = "failed";
        status.textContent = e.message;
      }
    });
  };
  root.append(
    h("h2", { text: "2-D playground" }),
    h("p", {
      class: "muted",
      text:
        "Grey: training points. Red: the model's samples. Heat map: log p(x), the top 8 nats. " +
        "For the GAN, the second map is D(x): red where it says real.",
    }),
    h(
      "div",
      {},
      dataSel,
      " ",
      modelSel,
      " steps ",
      steps,
      " ",
      h("button", { class: "train", text: "Train", onclick: start }),
      h("button", { text: "Stop", onclick: () => stop?.() }),
    ),
    status,
    h("div", { class: "row" }, mapCanvas, fieldCanvas, chartEl),
  );
  return () => {
    stop?.();
    chart?.destroy();
  };
}
