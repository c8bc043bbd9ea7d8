// Complete: draw the top (or left) half of a digit; a model with a completer samples the rest.
import { useState } from "preact/hooks";
import { api, has, isTrained, type RunSummary, type WireImages } from "../api";
import { DrawPad, usePad } from "../lib/draw-pad";
import { ImageGrid } from "../lib/images";
import { Loading, useLoad } from "../lib/load";
import { RunSelect } from "../lib/run-select";
import { guarded } from "../lib/toast";

function Complete({ runs }: { runs: RunSummary[] }) {
  const pad = usePad();
  const [run, setRun] = useState(runs[0]!.id);
  const [keep, setKeep] = useState("top");
  const [seed, setSeed] = useState(0);
  const [out, setOut] = useState<{ run: string; grid: WireImages } | null>(null);
  const go = guarded(async () => {
    setSeed(seed + 1);
    const grid = await api.post<WireImages>("/complete", { run, image: pad.pixels(), keep, samples: 8, seed });
    setOut({ run, grid });
  });
  return (
    <>
      <p class="muted">Only the kept half of the drawing is used; the model samples every other pixel in its order.</p>
      <div class="row">
        <div>
          <DrawPad pad={pad} />
          <div>
            <button onClick={() => pad.clear()}>Clear</button>
          </div>
        </div>
        <div>
          <RunSelect runs={runs} value={[run]} onChange={(ids) => setRun(ids[0]!)} />{" "}
          <select name="keep" value={keep} onChange={(e) => setKeep(e.currentTarget.value)}>
            <option value="top">top half kept</option>
            <option value="left">left half kept</option>
          </select>{" "}
          <button class="complete" onClick={go}>
            Complete
          </button>
          <div class="completions">
            {out && (
              <>
                <ImageGrid images={out.grid} cols={4} scale={4} />
                <p class="muted">{`8 completions under ${out.run}`}</p>
              </>
            )}
          </div>
        </div>
      </div>
    </>
  );
}

export function CompletePage() {
  const state = useLoad(() => api.get<RunSummary[]>("/runs"), []);
  return (
    <>
      <h2>Complete a drawing</h2>
      <Loading state={state}>
        {(all) => {
          const runs = all.filter((r) => has(r, "completer") && isTrained(r));
          return runs.length ? (
            <Complete runs={runs} />
          ) : (
            <p class="muted">No trained run whose model can complete images (e.g. made, nade, fvsbn).</p>
          );
        }}
      </Loading>
    </>
  );
}
