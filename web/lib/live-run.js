// One run's training curves, progress, ETA and stop/resume, kept live through the run's event stream.
import { api } from "../api.js";
import { lineChart } from "./chart.js";
import { duration, fmt, guarded, h } from "./dom.js";

const EVENTS = [
  "state",
  "start",
  "notice",
  "epoch-start",
  "step",
  "progress",
  "metrics",
  "test-start",
  "done",
  "error",
];

/** Mounts into `el`; returns a cleanup function. `onDone` runs when a training process ends. */
export function liveRun(el, run, { onDone } = {}) {
  const byEpoch = new Map(run.records.map((r) => [r.epoch, r]));
  const state = h("span", { class: "state", text: run.job?.state ?? run.status });
  const bar = h("progress", { max: 1, value: 0 });
  const where = h("span", { class: "muted where" });
  const notes = h("div", { class: "notes muted" });
  const chartEl = h("div", { class: "curve" });
  const chart = lineChart(chartEl, {
    title: "nats per image",
    xLabel: "epoch",
    yLabel: "nats",
    series: ["train", `valid (${run.valid_estimator ?? "estimate"})`],
  });
  const redraw = () => {
    const rs = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
    chart.set(
      rs.map((r) => r.epoch),
      rs.map((r) => r.train_loss),
      rs.map((r) => r.valid_nll_nats ?? null),
    );
    el.dataset.epochs = String(rs.length);
  };
  let stopStream = null;
  const stopBtn = h("button", {
    class: "stop",
    text: "Stop",
    onclick: guarded(() => api.post(`/runs/${run.id}/stop`)),
  });
  const resumeBtn = h("button", {
    class: "resume",
    text: "Resume",
    onclick: guarded(async () => {
      await api.post(`/runs/${run.id}/resume`, {});
      watch();
    }),
  });
  const setState = (s) => {
    state.textContent = s;
    el.dataset.state = s;
    const active = ["starting", "training", "testing", "stopping"].includes(s);
    stopBtn.disabled = !active || s === "stopping";
    resumeBtn.disabled = active || s === "finished" || s === "done";
  };
  const onEvent = (type, e) => {
    if (type === "state") setState(e.state);
    else if (type === "metrics") {
      byEpoch.set(e.record.epoch, e.record);
      redraw();
    } else if (type === "step")
      where.textContent = `epoch ${e.epoch}, batch ${e.batch}/${e.batchesPerEpoch}, loss ${fmt(e.loss)}`;
    else if (type === "progress") {
      bar.value = e.fraction;
      bar.title = `${e.step}/${e.totalSteps} steps`;
      el.querySelector(".eta").textContent = `elapsed ${duration(e.elapsed)}, ETA ${duration(e.eta)}`;
    } else if (type === "test-start") where.textContent = `evaluating ${e.n} test images…`;
    else if (type === "notice" || type === "error") notes.append(h("p", { class: type, text: e.message }));
    else if (type === "done") {
      const r = e.result;
      const m = r.metrics;
      notes.append(
        h("p", {
          class: "result",
          text:
            `${r.status} after ${r.epochs} epochs, ${r.steps} steps` +
            (m ? `; test NLL ${fmt(m.nll_nats)} nats = ${fmt(m.bits_per_dim, 4)} bits/dim (${m.estimator})` : ""),
        }),
      );
      onDone?.(r);
    }
  };
  function watch() {
    stopStream?.();
    stopStream = api.events(`/runs/${run.id}/events`, EVENTS, onEvent);
  }
  setState(run.job?.state ?? run.status);
  el.append(
    h("div", {}, h("strong", { text: "state: " }), state, " ", stopBtn, resumeBtn),
    h("div", {}, bar, " ", where, " ", h("span", { class: "eta muted" })),
    chartEl,
    notes,
  );
  redraw();
  if (run.job) watch();
  return () => {
    stopStream?.();
    chart.destroy();
  };
}
