// Runs: every run directory of the studio, sortable by any column; a row opens the run.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type RunSummary } from "../api";
import { fmt } from "../lib/format";

const COLUMNS: [string, string][] = [
  ["id", "run"],
  ["model", "model"],
  ["dataset", "dataset"],
  ["epochs", "epochs"],
  ["best_valid_nll_nats", "best valid NLL (nats)"],
  ["test_nll_nats", "test NLL (nats)"],
  ["state", "status"],
];
const ACTIVE = ["starting", "training", "testing", "stopping"];

type Row = RunSummary & { state: string } & Record<string, unknown>;

const cell = (r: Row, key: string): string => {
  if (key === "epochs") return `${r.epochs} / ${r.plannedEpochs}`;
  if (key === "best_valid_nll_nats")
    return r.best_valid_nll_nats === undefined ? "—" : `${fmt(r.best_valid_nll_nats)} (${r.valid_estimator})`;
  if (key === "test_nll_nats")
    return r.test_nll_nats === undefined ? "—" : `${fmt(r.test_nll_nats)} (${r.test_estimator})`;
  return String(r[key] ?? "—");
};

const compare = (x: unknown, y: unknown): number => {
  const a = (x ?? Infinity) as number | string;
  const b = (y ?? Infinity) as number | string;
  return a < b ? -1 : a > b ? 1 : 0;
};

export function RunsPage() {
  const [runs, setRuns] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState({ key: "updated", dir: -1 });
  const latest = useRef<Row[] | null>(null);
  latest.current = runs;
  useEffect(() => {
    let live = true;
    const load = () =>
      api.get<RunSummary[]>("/runs").then(
        (rs) =>
          live &&
          setRuns(rs.map((r) => ({ ...r, state: r.job && r.job.state !== "done" ? r.job.state : r.status }) as Row)),
        (e: Error) => live && setError(e.message),
      );
    void load();
    // refresh while something trains
    const timer = setInterval(() => latest.current?.some((r) => ACTIVE.includes(r.state)) && void load(), 3000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const listed = runs !== null;
  useEffect(() => {
    // the first time the table shows the runs: bench/studio.ts measures the page's time to data with it
    if (listed && performance.getEntriesByName("studio:runs-listed").length === 0)
      performance.mark("studio:runs-listed");
  }, [listed]);
  if (error) return <p class="error">{error}</p>;
  const rows = [...(runs ?? [])].sort((a, b) => compare(a[sort.key], b[sort.key]) * sort.dir);
  return (
    <div data-loaded={runs ? String(runs.length) : undefined}>
      <h2>Runs</h2>
      <p class="muted">Click a column to sort, a row to open the run.</p>
      <table class="runs">
        <tr>
          {COLUMNS.map(([k, label]) => (
            <th key={k} data-key={k} onClick={() => setSort({ key: k, dir: sort.key === k ? -sort.dir : 1 })}>
              {label + (sort.key === k ? (sort.dir > 0 ? " ▲" : " ▼") : "")}
            </th>
          ))}
        </tr>
        {rows.map((r) => (
          <tr
            key={r.id}
            class={`clickable ${r.state === "failed" ? "failed" : ""}`}
            data-id={r.id}
            title={r.error}
            onClick={() => (location.hash = `#run/${encodeURIComponent(r.id)}`)}
          >
            {COLUMNS.map(([k]) => (
              <td key={k}>{cell(r, k)}</td>
            ))}
          </tr>
        ))}
      </table>
      {runs && !runs.length && <p class="muted">No runs yet: start one on the Train tab.</p>}
    </div>
  );
}
