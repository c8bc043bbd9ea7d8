// Compare: the NLL of chosen runs beside the published figures of their models, and their samples side by side.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, has, isTrained, runUrl, type RunDetail, type RunSummary, type WireImages } from "../api";
import { fmt } from "../lib/format";
import { ImageGrid } from "../lib/images";
import { Loading, useLoad } from "../lib/load";
import { RunSelect } from "../lib/run-select";
import { guarded } from "../lib/toast";

const HEADERS = [
  "run",
  "model",
  "dataset",
  "epochs",
  "test NLL (nats)",
  "bits/dim",
  "estimator",
  "published (nats)",
  "source",
];

const cells = (r: RunDetail): string[] => [
  r.id,
  r.model,
  r.dataset,
  `${r.epochs}/${r.plannedEpochs}`,
  fmt(r.test_nll_nats),
  fmt(r.test_bits_per_dim, 4),
  r.test_estimator ?? "—",
  r.published ? fmt(r.published.nll_nats) : "—",
  r.published ? `${r.published.source} (${r.published.data})` : "—",
];

function Compare({ runs }: { runs: RunSummary[] }) {
  const [chosen, setChosen] = useState(runs.slice(0, 2).map((r) => r.id));
  const [details, setDetails] = useState<RunDetail[]>([]);
  const [grids, setGrids] = useState<{ id: string; images: WireImages }[]>([]);
  // a newer comparison replaces an older one still loading
  const generation = useRef(0);
  const go = guarded(async () => {
    const mine = ++generation.current;
    const picked = await Promise.all(chosen.map((id) => api.get<RunDetail>(runUrl(id))));
    if (mine !== generation.current) return;
    setDetails(picked);
    setGrids([]);
    const samplers = picked.filter((r) => has(r, "sampler") && isTrained(r));
    for (const r of samplers) {
      const images = await api.get<WireImages>(`${runUrl(r.id)}/samples?n=25&seed=0`);
      if (mine === generation.current) setGrids((g) => [...g, { id: r.id, images }]);
    }
  });
  // the first two runs are compared on arrival
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => go(), []);
  return (
    <>
      <p class="muted">
        Published figures are on the dataset they name; compare like with like (estimator and binarization).
      </p>
      <div>
        <RunSelect runs={runs} value={chosen} onChange={setChosen} multiple />{" "}
        <button class="go" onClick={go}>
          Compare
        </button>
      </div>
      <table class="compare">
        {details.length > 0 && (
          <tr>
            {HEADERS.map((t) => (
              <th key={t}>{t}</th>
            ))}
          </tr>
        )}
        {details.map((r) => (
          <tr key={r.id} data-id={r.id}>
            {cells(r).map((t, i) => (
              <td key={i}>{t}</td>
            ))}
          </tr>
        ))}
      </table>
      <div class="row grids">
        {grids.map((g) => (
          <div key={g.id} class="card">
            <p>{g.id}</p>
            <ImageGrid images={g.images} cols={5} scale={2} />
          </div>
        ))}
      </div>
    </>
  );
}

export function ComparePage() {
  const state = useLoad(() => api.get<RunSummary[]>("/runs"), []);
  return (
    <>
      <h2>Compare runs</h2>
      <Loading state={state}>
        {(runs) => (runs.length ? <Compare runs={runs} /> : <p class="muted">No runs yet.</p>)}
      </Loading>
    </>
  );
}
