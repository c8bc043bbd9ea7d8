// Draw and score: −log p(x) of a drawn (or dropped) digit under chosen runs, and its rank among test images.
import { api, hasDensity } from "../api.js";
import { drawCanvas } from "../lib/draw-canvas.js";
import { fmt, guarded, h, runSelect } from "../lib/dom.js";

export const title = "Draw & score";

export async function mount(root) {
  const runs = (await api.get("/runs")).filter((r) => hasDensity(r) && r.status !== "empty");
  root.append(h("h2", { text: "Draw and score" }));
  if (!runs.length) {
    root.append(h("p", { class: "muted", text: "No trained run with a density or a bound yet." }));
    return;
  }
  const pad = drawCanvas();
  const select = runSelect(runs, { multiple: true });
  select.options[0].selected = true;
  const table = h("table", { class: "scores" });
  // which strokes surprised the model: −log p(x_i | x_<i) per pixel, for runs with per-pixel conditionals
  const heat = h("div", { class: "heatmaps row" });
  const score = guarded(async () => {
    const ids = [...select.selectedOptions].map((o) => o.value);
    const { rows } = await api.post("/score", { runs: ids, images: pad.values() });
    heat.replaceChildren(
      ...rows
        .filter((r) => r.per_pixel_nats)
        .map((r) =>
          h("figure", {}, heatCanvas(r.per_pixel_nats), h("figcaption", { text: `${r.id}: nats per pixel` })),
        ),
    );
    table.replaceChildren(
      h(
        "tr",
        {},
        ["run", "model", "−log p(x) nats", "bits/dim", "estimator", "percentile among test images"].map((t) =>
          h("th", { text: t }),
        ),
      ),
      ...rows.map((r) =>
        r.error
          ? h(
              "tr",
              { "data-id": r.id },
              h("td", { text: r.id }),
              h("td", { class: "error", colspan: 5, text: r.error }),
            )
          : h(
              "tr",
              { "data-id": r.id },
              h("td", { text: r.id }),
              h("td", { text: r.model }),
              h("td", { class: "nats", text: fmt(r.nll_nats[0]) }),
              h("td", { text: fmt(r.bits_per_dim[0], 4) }),
              h("td", { text: r.estimator }),
              h("td", {
                text:
                  `${fmt(r.percentile[0], 1)} % ` +
                  `(of ${r.reference.n}; median ${fmt(r.reference.median_nll_nats)} nats)`,
              }),
            ),
      ),
    );
  });
  pad.onChange(() => score());
  root.append(
    h("p", {
      class: "muted",
      text:
        "Draw a digit (white on black) or drop a PNG on the canvas; pixels are thresholded at 0.5 for binary " +
        "runs. A percentile near 100 means less likely than almost every test image.",
    }),
    h(
      "div",
      { class: "row" },
      h(
        "div",
        {},
        pad.canvas,
        h(
          "div",
          {},
          h("button", { text: "Clear", onclick: () => pad.clear() }),
          h("button", { class: "score", text: "Score", onclick: score }),
        ),
      ),
      h("div", {}, h("label", {}, "runs ", select), table, heat),
    ),
  );
}

/** A 28×28 (or any square) heat map: 0 nats black, the image's largest value white, each pixel 6×6. */
function heatCanvas(nats, scale = 6) {
  const side = Math.round(Math.sqrt(nats.length));
  const c = h("canvas", { class: "heatmap", width: side * scale, height: side * scale });
  const ctx = c.getContext("2d");
  const top = Math.max(...nats, 1e-9);
  nats.forEach((v, i) => {
    const t = Math.round((255 * v) / top);
    ctx.fillStyle = `rgb(${t}, ${Math.round(t * 0.6)}, ${Math.round(t * 0.2)})`;
    ctx.fillRect((i % side) * scale, Math.floor(i / side) * scale, scale, scale);
  });
  return c;
}
