// Runs: every run directory of the studio, sortable by any column; a row opens the run.
import { api } from "../api.js";
import { fmt, h } from "../lib/dom.js";

export const title = "Runs";

const COLUMNS = [
  ["id", "run"],
  ["model", "model"],
  ["dataset", "dataset"],
  ["epochs", "epochs"],
  ["best_valid_nll_nats", "best valid NLL (nats)"],
  ["test_nll_nats", "test NLL (nats)"],
  ["state", "status"],
];

const cell = (r, key) => {
  if (key === "epochs") return `${r.epochs} / ${r.plannedEpochs}`;
  if (key === "best_valid_nll_nats")
    return r.best_valid_nll_nats === undefined ? "—" : `${fmt(r.best_valid_nll_nats)} (${r.valid_estimator})`;
  if (key === "test_nll_nats")
    return r.test_nll_nats === undefined ? "—" : `${fmt(r.test_nll_nats)} (${r.test_estimator})`;
  return String(r[key] ?? "—");
};

export async function mount(root) {
  let sort = { key: "updated", dir: -1 };
  let runs = [];
  const table = h("table", { class: "runs" });
  const draw = () => {
    const rows = [...runs].sort((a, b) => {
      const x = a[sort.key] ?? Infinity,
        y = b[sort.key] ?? Infinity;
      return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
    });
    table.replaceChildren(
      h(
        "tr",
        {},
        COLUMNS.map(([k, label]) =>
          h("th", {
            "data-key": k,
            text: label + (sort.key === k ? (sort.dir > 0 ? " ▲" : " ▼") : ""),
            onclick: () => {
              sort = { key: k, dir: sort.key === k ? -sort.dir : 1 };
              draw();
            },
          }),
        ),
      ),
      ...rows.map((r) =>
        h(
          "tr",
          { class: "clickable", "data-id": r.id, onclick: () => (location.hash = `#run/${encodeURIComponent(r.id)}`) },
          COLUMNS.map(([k]) => h("td", { text: cell(r, k) })),
        ),
      ),
    );
  };
  const load = async () => {
    runs = (await api.get("/runs")).map((r) => ({
      ...r,
      state: r.job && r.job.state !== "done" ? r.job.state : r.status,
    }));
    draw();
    root.dataset.loaded = String(runs.length);
  };
  root.append(
    h("h2", { text: "Runs" }),
    h("p", { class: "muted", text: "Click a column to sort, a row to open the run." }),
    table,
  );
  await load();
  if (!runs.length) root.append(h("p", { class: "muted", text: "No runs yet: start one on the Train tab." }));
  // refresh while something trains
  const timer = setInterval(
    () => runs.some((r) => ["starting", "training", "testing", "stopping"].includes(r.state)) && load(),
    3000,
  );
  return () => clearInterval(timer);
}
