// The 2-D playground: a toy distribution, a small model trained live in a few seconds, and what it has learnt —
// its density as a heat map, its samples as points, and for the GAN the discriminator's field.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { LineChart } from "../lib/chart";
import { fmt } from "../lib/format";
import { Loading, useLoad } from "../lib/load";
import { drawMap, diverging, heat, MAP_PX } from "../lib/toy-map";

const MODELS: [string, string][] = [
  ["ar", "autoregressive mixture p(x1) p(x2|x1)"],
  ["vae", "2-D VAE"],
  ["gan", "2-D GAN"],
];

/** The training's first event: what every snapshot is drawn against */
interface Setup {
  model: string;
  parameters: number;
  phases: string[];
  capabilities: string[];
  data: number[];
  range: number;
  grid: number;
}

interface Snapshot {
  step: number;
  losses: Record<string, number>;
  logDensity?: number[];
  discriminator?: number[];
  samples?: number[];
  estimator?: string;
}

interface Live {
  state: string;
  setup: Setup | null;
  last: Snapshot | null;
  curve: [number[], ...number[][]];
  status: string;
}

const IDLE: Live = { state: "idle", setup: null, last: null, curve: [[]], status: "" };

function statusOf(s: Snapshot): string {
  const losses = Object.entries(s.losses).map(([k, v]) => `${k} ${fmt(v, 3)}`);
  return `step ${s.step}: ${losses.join(", ")}` + (s.estimator ? ` (density: ${s.estimator})` : "");
}

/** Applies one event of the training stream to what the page shows. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function reduce(live: Live, type: string, e: any): Live {
  if (type === "start") {
    const setup = e as Setup;
    const status =
      `${setup.model}: ${setup.parameters} parameters, phases ${setup.phases.join(" + ")}, ` +
      `capabilities ${setup.capabilities.join(", ")}`;
    return { state: "training", setup, last: null, curve: [[], ...setup.phases.map(() => [])], status };
  }
  if (type === "snapshot" && live.setup) {
    const s = e as Snapshot;
    const [xs, ...ys] = live.curve;
    const curve: Live["curve"] = [[...xs, s.step], ...live.setup.phases.map((p, i) => [...ys[i]!, s.losses[p]!])];
    return { ...live, last: s, curve, status: statusOf(s) };
  }
  if (type === "done") return { ...live, state: "done" };
  if (type === "error") return { ...live, state: "failed", status: e.message };
  return live;
}

function ToyCanvas({ setup, last, field }: { setup: Setup | null; last: Snapshot | null; field: boolean }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current!.getContext("2d")!;
    if (!setup) return;
    const values = field ? last?.discriminator : last?.logDensity;
    const hi = values && !field ? Math.max(...values) : 1;
    // the density map shows the top 8 nats; the field D(x) its whole range [0, 1]
    drawMap(ctx, {
      ...(values ? { values, grid: setup.grid, lo: field ? 0 : hi - 8, hi, color: field ? diverging : heat } : {}),
      points: last?.samples ?? [],
      data: setup.data,
      range: setup.range,
    });
  }, [setup, last, field]);
  return (
    <canvas
      ref={ref}
      class={field ? "field" : "map"}
      width={MAP_PX}
      height={MAP_PX}
      hidden={field && !setup?.phases.includes("discriminator")}
    />
  );
}

function Playground({ datasets, models }: { datasets: string[]; models: string[] }) {
  const [data, setData] = useState(datasets[0] ?? "");
  const [model, setModel] = useState(MODELS.find(([m]) => models.includes(m))?.[0] ?? "");
  const [steps, setSteps] = useState("1000");
  const [live, setLive] = useState(IDLE);
  const stop = useRef<(() => void) | null>(null);
  useEffect(() => () => stop.current?.(), []);
  const start = () => {
    stop.current?.();
    setLive({ ...IDLE, state: "training" });
    const q = new URLSearchParams({ data, model, steps, seed: "0" });
    stop.current = api.events(`/toy/train?${q}`, ["start", "snapshot", "done", "error"], (type, e) =>
      setLive((l) => reduce(l, type, e)),
    );
  };
  const { setup, last } = live;
  return (
    <section class="playground" data-state={live.state} data-step={last ? String(last.step) : undefined}>
      <div>
        <select name="data" value={data} onChange={(e) => setData(e.currentTarget.value)}>
          {datasets.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>{" "}
        <select name="model" value={model} onChange={(e) => setModel(e.currentTarget.value)}>
          {MODELS.filter(([m]) => models.includes(m)).map(([v, t]) => (
            <option key={v} value={v}>
              {t}
            </option>
          ))}
        </select>{" "}
        steps{" "}
        <input
          type="number"
          name="steps"
          min={50}
          step={50}
          value={steps}
          onInput={(e) => setSteps(e.currentTarget.value)}
        />{" "}
        <button class="train" onClick={start}>
          Train
        </button>
        <button onClick={() => stop.current?.()}>Stop</button>
      </div>
      <p class="muted status">{live.status}</p>
      <div class="row">
        <ToyCanvas setup={setup} last={last} field={false} />
        <ToyCanvas setup={setup} last={last} field />
        {setup && (
          <LineChart
            title="loss per phase"
            xLabel="step"
            yLabel="loss"
            series={setup.phases}
            data={live.curve}
            width={420}
            height={220}
          />
        )}
      </div>
    </section>
  );
}

export function PlaygroundPage() {
  const state = useLoad(() => api.get<{ datasets: string[]; models: string[] }>("/toy"), []);
  return (
    <>
      <h2>2-D playground</h2>
      <p class="muted">
        Grey: training points. Red: the model's samples. Heat map: log p(x), the top 8 nats. For the GAN, the second map
        is D(x): red where it says real.
      </p>
      <Loading state={state}>{(t) => <Playground datasets={t.datasets} models={t.models} />}</Loading>
    </>
  );
}
