// Draw and score: −log p(x) of a drawn (or dropped) digit under chosen runs, and its rank among test images.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, hasDensity, isTrained, type RunSummary } from "../api";
import { DrawPad, usePad } from "../lib/draw-pad";
import { fmt } from "../lib/format";
import { Loading, useLoad } from "../lib/load";
import { RunSelect } from "../lib/run-select";
import { guarded } from "../lib/toast";

/** One run's score of the drawing, or why it could not score it */
interface ScoreRow {
  id: string;
  model: string;
  error?: string;
  nll_nats: number[];
  bits_per_dim: number[];
  estimator: string;
  percentile: number[];
  reference: { n: number; median_nll_nats: number };
  /** −log p(x_i | x_<i) per pixel, for runs with per-pixel conditionals */
  per_pixel_nats?: number[];
}

/** A square heat map: 0 nats black, the image's largest value white, each pixel `scale`×`scale`. */
function HeatMap({ nats, scale = 6 }: { nats: number[]; scale?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const side = Math.round(Math.sqrt(nats.length));
  useEffect(() => {
    const ctx = ref.current!.getContext("2d")!;
    const top = Math.max(...nats, 1e-9);
    nats.forEach((v, i) => {
      const t = Math.round((255 * v) / top);
      ctx.fillStyle = `rgb(${t}, ${Math.round(t * 0.6)}, ${Math.round(t * 0.2)})`;
      ctx.fillRect((i % side) * scale, Math.floor(i / side) * scale, scale, scale);
    });
  }, [nats, side, scale]);
  return <canvas ref={ref} class="heatmap" width={side * scale} height={side * scale} />;
}

const HEADERS = ["run", "model", "−log p(x) nats", "bits/dim", "estimator", "percentile among test images"];

function ScoreTable({ rows }: { rows: ScoreRow[] }) {
  return (
    <table class="scores">
      {rows.length > 0 && (
        <tr>
          {HEADERS.map((t) => (
            <th key={t}>{t}</th>
          ))}
        </tr>
      )}
      {rows.map((r) =>
        r.error ? (
          <tr key={r.id} data-id={r.id}>
            <td>{r.id}</td>
            <td class="error" colSpan={5}>
              {r.error}
            </td>
          </tr>
        ) : (
          <tr key={r.id} data-id={r.id}>
            <td>{r.id}</td>
            <td>{r.model}</td>
            <td class="nats">{fmt(r.nll_nats[0])}</td>
            <td>{fmt(r.bits_per_dim[0], 4)}</td>
            <td>{r.estimator}</td>
            <td>
              {`${fmt(r.percentile[0], 1)} % (of ${r.reference.n}; median ${fmt(r.reference.median_nll_nats)} nats)`}
            </td>
          </tr>
        ),
      )}
    </table>
  );
}

function Draw({ runs }: { runs: RunSummary[] }) {
  const pad = usePad();
  const [chosen, setChosen] = useState([runs[0]!.id]);
  const [rows, setRows] = useState<ScoreRow[]>([]);
  const score = guarded(async () => {
    const res = await api.post<{ rows: ScoreRow[] }>("/score", { runs: chosen, images: pad.pixels() });
    setRows(res.rows);
  });
  // a finished stroke or a dropped image scores at once, under the runs chosen now
  const latest = useRef(score);
  latest.current = score;
  useEffect(() => pad.listen(() => latest.current()), [pad]);
  return (
    <>
      <p class="muted">
        Draw a digit (white on black) or drop a PNG on the canvas; pixels are thresholded at 0.5 for binary runs. A
        percentile near 100 means less likely than almost every test image.
      </p>
      <div class="row">
        <div>
          <DrawPad pad={pad} />
          <div>
            <button onClick={() => pad.clear()}>Clear</button>
            <button class="score" onClick={score}>
              Score
            </button>
          </div>
        </div>
        <div>
          <label>
            runs <RunSelect runs={runs} value={chosen} onChange={setChosen} multiple />
          </label>
          <ScoreTable rows={rows} />
          <div class="heatmaps row">
            {rows
              .filter((r) => r.per_pixel_nats)
              .map((r) => (
                <figure key={r.id}>
                  <HeatMap nats={r.per_pixel_nats!} />
                  <figcaption>{`${r.id}: nats per pixel`}</figcaption>
                </figure>
              ))}
          </div>
        </div>
      </div>
    </>
  );
}

export function DrawPage() {
  const state = useLoad(() => api.get<RunSummary[]>("/runs"), []);
  return (
    <>
      <h2>Draw and score</h2>
      <Loading state={state}>
        {(all) => {
          const runs = all.filter((r) => hasDensity(r) && isTrained(r));
          return runs.length ? (
            <Draw runs={runs} />
          ) : (
            <p class="muted">No trained run with a density or a bound yet.</p>
          );
        }}
      </Loading>
    </>
  );
}
