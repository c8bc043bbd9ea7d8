// Complete: draw the top (or left) half of a digit; a model with a completer samples the rest.
import { api, has } from "../api.js";
import { drawCanvas } from "../lib/draw-canvas.js";
import { guarded, h, runSelect } from "../lib/dom.js";
import { imageGrid } from "../lib/images.js";

export const title = "Complete";

export async function mount(root) {
  const runs = (await api.get("/runs")).filter((r) => has(r, "completer") && r.status !== "empty");
  root.append(h("h2", { text: "Complete a drawing" }));
  if (!runs.length) {
    root.append(
      h("p", { class: "muted", text: "No trained run whose model can complete images (e.g. made, nade, fvsbn)." }),
    );
    return;
  }
  const pad = drawCanvas();
  const select = runSelect(runs);
  const keep = h(
    "select",
    { name: "keep" },
    h("option", { value: "top", text: "top half kept" }),
    h("option", { value: "left", text: "left half kept" }),
  );
  const out = h("div", { class: "completions" });
  let seed = 0;
  const go = guarded(async () => {
    const g = await api.post("/complete", {
      run: select.value,
      image: pad.values(),
      keep: keep.value,
      samples: 8,
      seed: seed++,
    });
    out.replaceChildren(
      imageGrid(g, { cols: 4, scale: 4 }),
      h("p", { class: "muted", text: `8 completions under ${select.value}` }),
    );
  });
  root.append(
    h("p", {
      class: "muted",
      text: "Only the kept half of the drawing is used; the model samples every other pixel in its order.",
    }),
    h(
      "div",
      { class: "row" },
      h("div", {}, pad.canvas, h("div", {}, h("button", { text: "Clear", onclick: () => pad.clear() }))),
      h("div", {}, select, " ", keep, " ", h("button", { class: "complete", text: "Complete", onclick: go }), out),
    ),
  );
}
