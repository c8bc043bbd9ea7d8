// Latent space: test images embedded and drawn on a plane (the latent plane, or its two principal directions), a grid
// of images decoded across that plane, and interpolations between two test images.
import { api, has } from "../api.js";
import { guarded, h, runSelect } from "../lib/dom.js";
import { imageGrid } from "../lib/images.js";

export const title = "Latent space";

const PALETTE = [
  "#e6194b",
  "#3cb44b",
  "#ffe119",
  "#4363d8",
  "#f58231",
  "#911eb4",
  "#46f0f0",
  "#f032e6",
  "#bcf60c",
  "#fabebe",
];

function scatter(m, px = 360) {
  const c = h("canvas", { class: "scatter", width: px, height: px });
  const ctx = c.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, px, px);
  const [u0, u1] = m.extent.u,
    [v0, v1] = m.extent.v;
  for (const [u, v, label] of m.points) {
    ctx.fillStyle = label >= 0 ? PALETTE[label % 10] : "#555";
    ctx.fillRect(((u - u0) / (u1 - u0 || 1)) * (px - 4) + 1, (1 - (v - v0) / (v1 - v0 || 1)) * (px - 4) + 1, 3, 3);
  }
  return c;
}

export async function mount(root) {
  const runs = (await api.get("/runs")).filter((r) => has(r, "latent") && r.status !== "empty");
  root.append(h("h2", { text: "Latent space" }));
  if (!runs.length) {
    root.append(
      h("p", { class: "muted", text: "No trained run with a latent space (e.g. vae, iwae, ppca, autoencoder)." }),
    );
    return;
  }
  const select = runSelect(runs);
  const map = h("div", { class: "row map" });
  const interp = h("div", { class: "interp" });
  const from = h("input", { type: "number", min: 0, value: 0, name: "from" });
  const to = h("input", { type: "number", min: 0, value: 1, name: "to" });
  const show = guarded(async () => {
    const id = encodeURIComponent(select.value);
    const m = await api.get(`/runs/${id}/latent?size=10&n=1000`);
    const what =
      m.projection === "latent"
        ? "the 2-D latent space"
        : `the two principal directions of a ${m.latentDim}-D latent space`;
    map.replaceChildren(
      h(
        "div",
        {},
        h("p", { class: "muted", text: `${m.points.length} test images in ${what}, coloured by digit` }),
        scatter(m),
      ),
      m.grid
        ? h(
            "div",
            {},
            h("p", { class: "muted", text: "decoded across the same plane" }),
            imageGrid(m.grid, { cols: m.grid.size, scale: 1.3, pad: 0 }),
          )
        : h("p", { text: "this model has no decoder" }),
    );
  });
  const between = guarded(async () => {
    const g = await api.get(
      `/runs/${encodeURIComponent(select.value)}/interpolate?from=${from.value}&to=${to.value}&steps=10`,
    );
    interp.replaceChildren(imageGrid(g, { cols: 10, scale: 3 }));
  });
  root.append(
    h("div", {}, select, " ", h("button", { class: "show", text: "Show", onclick: show })),
    map,
    h("h3", { text: "Interpolate between test images" }),
    h("div", {}, "from ", from, " to ", to, " ", h("button", { text: "Interpolate", onclick: between })),
    interp,
  );
  select.addEventListener("change", show);
  show();
}
