// Compare: the NLL of chosen runs beside the published figures of their models, and their samples side by side.
import { api, has } from "../api.js";
import { fmt, guarded, h, runSelect } from "../lib/dom.js";
import { imageGrid } from "../lib/images.js";

export const title = "Compare";

export async function mount(root) {
  const runs = await api.get("/runs");
  root.append(h("h2", { text: "Compare runs" }));
  if (!runs.length) return root.append(h("p", { class: "muted", text: "No runs yet." }));
  const select = runSelect(runs, { multiple: true });
  for (const o of [...select.options].slice(0, 2)) o.selected = true;
  const table = h("table", { class: "compare" });
  const grids = h("div", { class: "row grids" });
  const go = guarded(async () => {
    const chosen = await Promise.all(
      [...select.selectedOptions].map((o) => api.get(`/runs/${encodeURIComponent(o.value)}`)),
    );
    table.replaceChildren(
      h(
        "tr",
        {},
        [
          "run",
          "model",
          "dataset",
          "epochs",
          "test NLL (nats)",
          "bits/dim",
          "estimator",
          "published (nats)",
          "source",
        ].map((t) => h("th", { text: t })),
      ),
      ...chosen.map((r) =>
        h(
          "tr",
          { "data-id": r.id },
          [
            r.id,
            r.model,
            r.dataset,
            `${r.epochs}/${r.plannedEpochs}`,
            fmt(r.test_nll_nats),
            fmt(r.test_bits_per_dim, 4),
            r.test_estimator ?? "—",
            r.published ? fmt(r.published.nll_nats) : "—",
            r.published ? `${r.published.source} (${r.published.data})` : "—",
          ].map((t) => h("td", { text: t })),
        ),
      ),
    );
    grids.replaceChildren();
    for (const r of chosen.filter((x) => has(x, "sampler") && x.status !== "empty")) {
      const s = await api.get(`/runs/${encodeURIComponent(r.id)}/samples?n=25&seed=0`);
      grids.append(h("div", { class: "card" }, h("p", { text: r.id }), imageGrid(s, { cols: 5, scale: 2 })));
    }
  });
  root.append(
    h("p", {
      class: "muted",
      text: "Published figures are on the dataset they name; compare like with like (estimator and binarization).",
    }),
    h("div", {}, select, " ", h("button", { class: "go", text: "Compare", onclick: go })),
    table,
    grids,
  );
  go();
}
