// One run: its configuration, live training curves and controls, and a sample grid when the model samples.
import { api, has } from "../api.js";
import { fmt, guarded, h } from "../lib/dom.js";
import { imageGrid } from "../lib/images.js";
import { liveRun } from "../lib/live-run.js";

export async function mount(root, id) {
  const run = await api.get(`/runs/${encodeURIComponent(id)}`);
  root.append(
    h("h2", { text: `${run.id}` }),
    h("p", {
      class: "muted",
      text: `${run.model} on ${run.dataset}; seed ${run.config.seed}; capabilities: ${run.capabilities.join(", ")}`,
    }),
    h("p", {
      text:
        run.test_nll_nats !== undefined
          ? `test NLL ${fmt(run.test_nll_nats)} nats = ` +
            `${fmt(run.test_bits_per_dim, 4)} bits/dim (${run.test_estimator})` +
            (run.published
              ? `; published ${fmt(run.published.nll_nats)} nats (${run.published.source}, ${run.published.data})`
              : "")
          : "not tested yet",
    }),
  );
  const live = h("div", { class: "live card" });
  root.append(live);
  const samples = h("div", { class: "samples" });
  let seed = 0;
  const loadSamples = guarded(async () => {
    const s = await api.get(`/runs/${encodeURIComponent(id)}/samples?n=36&seed=${seed}`);
    samples.replaceChildren(
      imageGrid(s, { cols: 6, scale: 3 }),
      h("p", { class: "muted", text: `36 samples, seed ${seed}, ${fmt(s.seconds, 2)} s` }),
    );
  });
  const cleanup = liveRun(live, run, { onDone: () => has(run, "sampler") && loadSamples() });
  if (has(run, "sampler")) {
    root.append(
      h("h3", { text: "Samples" }),
      h("button", { text: "New samples", onclick: () => ((seed += 1), loadSamples()) }),
      samples,
    );
    if (run.status !== "empty") loadSamples();
  }
  root.append(
    h("details", {}, h("summary", { text: "config.json" }), h("pre", { text: JSON.stringify(run.config, null, 2) })),
  );
  return cleanup;
}
