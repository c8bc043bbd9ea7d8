// One run's training curves, progress, ETA and stop/resume, kept live through the run's event stream.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, hasDensity, runUrl, type EpochRecord, type RunDetail } from "../api";
import { LineChart, type SeriesStyle } from "./chart";
import { curveData, StepColumns, trainLossPerBit, type Unit } from "./curves";
import { duration, fmt } from "./format";
import { guarded } from "./toast";

const EVENTS = [
  "state",
  "start",
  "notice",
  "epoch-start",
  "step",
  "steps",
  "progress",
  "metrics",
  "test-start",
  "done",
  "error",
];
const ACTIVE = ["starting", "training", "testing", "stopping"];

/** What a finished training process reports */
export interface FitResult {
  status: string;
  epochs: number;
  steps: number;
  metrics?: { nll_nats: number; bits_per_dim: number; estimator: string };
}

interface Note {
  kind: string;
  text: string;
}

const resultText = (r: FitResult): string =>
  `${r.status} after ${r.epochs} epochs, ${r.steps} steps` +
  (r.metrics
    ? `; test NLL ${fmt(r.metrics.nll_nats)} nats = ${fmt(r.metrics.bits_per_dim, 4)} bits/dim (${r.metrics.estimator})`
    : "");

/** Follows the event stream while `watching` changes (a new value re-subscribes); returns the live state. */
function useRunEvents(run: RunDetail, watching: number, onDone?: (r: FitResult) => void) {
  const [records, setRecords] = useState<EpochRecord[]>(run.records);
  const [state, setState] = useState(run.job?.state ?? run.status);
  const [where, setWhere] = useState("");
  const [progress, setProgress] = useState({ fraction: 0, title: "", eta: "" });
  const [notes, setNotes] = useState<Note[]>(run.error ? [{ kind: "error", text: run.error }] : []);
  // every step's point, appended in place; `stepsSeen` changes with each batch so the chart redraws
  const steps = useRef(new StepColumns());
  const [stepsSeen, setStepsSeen] = useState(0);
  useEffect(() => {
    if (watching === 0) return;
    const note = (kind: string, text: string) => setNotes((n) => [...n, { kind, text }]);
    // every event's data is an object; the fields read below are the ones the server sends with that type
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return api.events(`${runUrl(run.id)}/events`, EVENTS, (type, e: any) => {
      if (type === "state") setState(e.state);
      else if (type === "metrics")
        setRecords((rs) => [...rs.filter((r) => r.epoch !== e.record.epoch), e.record as EpochRecord]);
      else if (type === "steps") {
        steps.current.append(e.points);
        setStepsSeen((n) => n + e.points.length);
      } else if (type === "step")
        setWhere(`epoch ${e.epoch}, batch ${e.batch}/${e.batchesPerEpoch}, loss ${fmt(e.loss)}`);
      else if (type === "progress")
        setProgress({
          fraction: e.fraction,
          title: `${e.step}/${e.totalSteps} steps`,
          eta: `elapsed ${duration(e.elapsed)}, ETA ${duration(e.eta)}`,
        });
      else if (type === "test-start") setWhere(`evaluating ${e.n} test images…`);
      else if (type === "notice" || type === "error") note(type, e.message);
      else if (type === "done") {
        note("result", resultText(e.result));
        onDone?.(e.result);
      }
    });
    // re-subscribed only when asked to watch again (a resume); onDone is read at each event
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [watching, run.id]);
  return { records, state, where, progress, notes, steps: steps.current, stepsSeen };
}

interface StepsState {
  steps: StepColumns;
  /** points received so far: changes with every batch, while `steps` is appended in place */
  stepsSeen: number;
}

const STYLES: SeriesStyle[] = [
  { color: "rgba(43, 98, 217, 0.35)", width: 1 },
  { color: "#2b62d9", width: 2, points: true, spanGaps: true },
  { color: "#d9822b", width: 2, points: true, spanGaps: true },
];

/** Train loss per step and per epoch, validation per epoch, on the step axis; nats or bits/dim for a density model. */
function Curves({ run, records, steps, stepsSeen }: { run: RunDetail; records: EpochRecord[] } & StepsState) {
  const density = hasDensity(run) && run.config.dim !== undefined;
  const [unit, setUnit] = useState<Unit>("nats");
  const perBit = density ? trainLossPerBit(run.config.dim!, steps) : null;
  const data = useMemo(
    () => curveData(steps, records, unit, perBit),
    // stepsSeen stands for the columns appended in place
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [steps, stepsSeen, records, unit, perBit],
  );
  // a run opened before its first epoch learns the estimator from the records that stream in
  const valid = `valid (${run.valid_estimator ?? records.find((r) => r.estimator)?.estimator ?? "estimate"})`;
  return (
    <div class="curves" data-unit={unit}>
      {density && (
        <label>
          <span class="muted">units </span>
          <select class="unit" value={unit} onChange={(e) => setUnit(e.currentTarget.value as Unit)}>
            <option value="nats">nats per image</option>
            <option value="bits">bits per dimension</option>
          </select>
        </label>
      )}
      <LineChart
        title={unit === "bits" ? "bits per dimension" : density ? "nats per image" : "training loss"}
        xLabel="step"
        yLabel={unit === "bits" ? "bits/dim" : density ? "nats" : "loss"}
        series={["train, per step", "train, epoch mean", valid]}
        styles={STYLES}
        data={data}
      />
    </div>
  );
}

export function LiveRun({ run, onDone }: { run: RunDetail; onDone?: (r: FitResult) => void }) {
  const [watching, setWatching] = useState(run.job ? 1 : 0);
  const { records, state, where, progress, notes, steps, stepsSeen } = useRunEvents(run, watching, onDone);
  const active = ACTIVE.includes(state);
  const stop = guarded(() => api.post(`${runUrl(run.id)}/stop`));
  const resume = guarded(async () => {
    await api.post(`${runUrl(run.id)}/resume`, {});
    setWatching((w) => w + 1);
  });
  return (
    <div class="live card" data-state={state} data-epochs={String(records.length)}>
      <div>
        <strong>state: </strong>
        <span class="state">{state}</span>{" "}
        <button class="stop" disabled={!active || state === "stopping"} onClick={stop}>
          Stop
        </button>
        <button class="resume" disabled={active || state === "finished" || state === "done"} onClick={resume}>
          Resume
        </button>
      </div>
      <div>
        <progress max={1} value={progress.fraction} title={progress.title} />
        <span class="muted where">{` ${where} `}</span>
        <span class="eta muted">{progress.eta}</span>
      </div>
      <Curves run={run} records={records} steps={steps} stepsSeen={stepsSeen} />
      <div class="notes muted">
        {notes.map((n, i) => (
          <p key={i} class={n.kind}>
            {n.text}
          </p>
        ))}
      </div>
    </div>
  );
}
