// Latent space: test images embedded and drawn on a plane (the latent plane, or its two principal directions), a grid
// of images decoded across that plane, and interpolations between two test images.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, has, isTrained, runUrl, type RunSummary, type WireImages } from "../api";
import { ImageGrid } from "../lib/images";
import { Loading, useLoad } from "../lib/load";
import { RunSelect } from "../lib/run-select";
import { guarded } from "../lib/toast";

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

interface LatentMap {
  projection: string;
  latentDim: number;
  extent: { u: [number, number]; v: [number, number] };
  /** [u, v, label] per embedded test image; label −1 when the split has none */
  points: [number, number, number][];
  grid?: WireImages & { size: number };
}

function Scatter({ map, px = 360 }: { map: LatentMap; px?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current!.getContext("2d")!;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, px, px);
    const [u0, u1] = map.extent.u;
    const [v0, v1] = map.extent.v;
    for (const [u, v, label] of map.points) {
      ctx.fillStyle = label < 0 ? "#555" : (PALETTE[label % 10] ?? "#555");
      ctx.fillRect(((u - u0) / (u1 - u0 || 1)) * (px - 4) + 1, (1 - (v - v0) / (v1 - v0 || 1)) * (px - 4) + 1, 3, 3);
    }
  }, [map, px]);
  return <canvas ref={ref} class="scatter" width={px} height={px} />;
}

function MapView({ map }: { map: LatentMap }) {
  const what =
    map.projection === "latent"
      ? "the 2-D latent space"
      : `the two principal directions of a ${map.latentDim}-D latent space`;
  return (
    <div class="row map">
      <div>
        <p class="muted">{`${map.points.length} test images in ${what}, coloured by digit`}</p>
        <Scatter map={map} />
      </div>
      {map.grid ? (
        <div>
          <p class="muted">decoded across the same plane</p>
          <ImageGrid images={map.grid} cols={map.grid.size} scale={1.3} pad={0} />
        </div>
      ) : (
        <p>this model has no decoder</p>
      )}
    </div>
  );
}

/** a test image's index */
function Index({ name, value, set }: { name: string; value: string; set: (v: string) => void }) {
  return <input type="number" min={0} name={name} value={value} onInput={(e) => set(e.currentTarget.value)} />;
}

function Latent({ runs }: { runs: RunSummary[] }) {
  const [run, setRun] = useState(runs[0]!.id);
  const [map, setMap] = useState<LatentMap | null>(null);
  const [from, setFrom] = useState("0");
  const [to, setTo] = useState("1");
  const [interp, setInterp] = useState<WireImages | null>(null);
  // only the map of the run asked for last is shown, whichever answer comes first
  const asked = useRef("");
  const show = guarded(async (id: string) => {
    asked.current = id;
    const m = await api.get<LatentMap>(`${runUrl(id)}/latent?size=10&n=1000`);
    if (asked.current === id) setMap(m);
  });
  const between = guarded(async () =>
    setInterp(await api.get<WireImages>(`${runUrl(run)}/interpolate?from=${from}&to=${to}&steps=10`)),
  );
  // the first run's map is shown on arrival
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => show(runs[0]!.id), []);
  const pick = (id: string) => {
    setRun(id);
    show(id);
  };
  return (
    <>
      <div>
        <RunSelect runs={runs} value={[run]} onChange={(ids) => pick(ids[0]!)} />{" "}
        <button class="show" onClick={() => show(run)}>
          Show
        </button>
      </div>
      {map && <MapView map={map} />}
      <h3>Interpolate between test images</h3>
      <div>
        from <Index name="from" value={from} set={setFrom} /> to <Index name="to" value={to} set={setTo} />{" "}
        <button onClick={between}>Interpolate</button>
      </div>
      <div class="interp">{interp && <ImageGrid images={interp} cols={10} scale={3} />}</div>
    </>
  );
}

export function LatentPage() {
  const state = useLoad(() => api.get<RunSummary[]>("/runs"), []);
  return (
    <>
      <h2>Latent space</h2>
      <Loading state={state}>
        {(all) => {
          const runs = all.filter((r) => has(r, "latent") && isTrained(r));
          return runs.length ? (
            <Latent runs={runs} />
          ) : (
            <p class="muted">No trained run with a latent space (e.g. vae, iwae, ppca, autoencoder).</p>
          );
        }}
      </Loading>
    </>
  );
}
