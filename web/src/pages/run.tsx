// One run: its configuration, live training curves and controls, and a sample grid when the model samples.
import { useCallback, useEffect, useState } from "preact/hooks";
import { api, has, runUrl, type RunDetail, type WireImages } from "../api";
import { fmt } from "../lib/format";
import { ImageGrid } from "../lib/images";
import { LiveRun } from "../lib/live-run";
import { Loading, useLoad } from "../lib/load";
import { guarded } from "../lib/toast";

function testLine(run: RunDetail): string {
  if (run.test_nll_nats === undefined) return run.status === "failed" ? "the training failed" : "not tested yet";
  const p = run.published;
  return (
    `test NLL ${fmt(run.test_nll_nats)} nats = ${fmt(run.test_bits_per_dim, 4)} bits/dim (${run.test_estimator})` +
    (p ? `; published ${fmt(p.nll_nats)} nats (${p.source}, ${p.data})` : "")
  );
}

function Samples({ run, trained }: { run: RunDetail; trained: number }) {
  const [seed, setSeed] = useState(0);
  const [samples, setSamples] = useState<WireImages | null>(null);
  useEffect(() => {
    if (run.status === "empty" && trained === 0) return;
    guarded(async () => setSamples(await api.get<WireImages>(`${runUrl(run.id)}/samples?n=36&seed=${seed}`)))();
  }, [run, seed, trained]);
  return (
    <>
      <h3>Samples</h3>
      <button onClick={() => setSeed(seed + 1)}>New samples</button>
      <div class="samples">
        {samples && (
          <>
            <ImageGrid images={samples} cols={6} scale={3} />
            <p class="muted">{`36 samples, seed ${seed}, ${fmt(samples.seconds, 2)} s`}</p>
          </>
        )}
      </div>
    </>
  );
}

function Run({ run }: { run: RunDetail }) {
  // bumped when a training process ends, so the samples come from the new weights
  const [trained, setTrained] = useState(0);
  // the run as the server now describes it: re-read when a training ends, so its test NLL appears
  const [latest, setLatest] = useState(run);
  const onDone = useCallback(() => {
    setTrained((t) => t + 1);
    guarded(async () => setLatest(await api.get<RunDetail>(runUrl(run.id))))();
  }, [run.id]);
  return (
    <>
      <h2>{run.id}</h2>
      <p class="muted">
        {`${run.model} on ${run.dataset}; seed ${run.config.seed}; capabilities: ${run.capabilities.join(", ")}`}
      </p>
      <p class="test-line">{testLine(latest)}</p>
      <LiveRun run={run} onDone={onDone} />
      {has(run, "sampler") && <Samples run={run} trained={trained} />}
      <details>
        <summary>config.json</summary>
        <pre>{JSON.stringify(run.config, null, 2)}</pre>
      </details>
    </>
  );
}

export function RunPage({ id }: { id: string }) {
  const state = useLoad(() => api.get<RunDetail>(runUrl(id)), [id]);
  return <Loading state={state}>{(run) => <Run run={run} />}</Loading>;
}
