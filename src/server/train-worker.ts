/**
 * The training process the studio forks for each run: it calls the same `fit` as `deepgen train`, reports every hook
 * to the server as a message, and stops cleanly (saving its position) when the server asks, through fit's signal.
 * Every step's point reaches the server: the points made between two reports travel together in one message.
 */
import { describeModel, fit, type FitStart, type RunSpec } from "../app/index.js";
import { makeSchedule } from "../optim/schedule.js";
import { readConfig } from "../train/checkpoint.js";
import type { StepPoint } from "./step-points.js";
import "../models/index.js";

export type WorkerRequest = { type: "fit"; spec: RunSpec } | { type: "stop" };

export type WorkerEvent =
  | { type: "start"; info: Record<string, unknown> }
  | { type: "notice"; message: string }
  | { type: "epoch-start"; epoch: number; batch: number; batchesPerEpoch: number }
  | { type: "steps"; points: StepPoint[] }
  | { type: "step"; epoch: number; batch: number; batchesPerEpoch: number; step: number; loss: number }
  | { type: "metrics"; record: Record<string, unknown> }
  | { type: "test-start"; n: number }
  | { type: "done"; result: Record<string, unknown> }
  | { type: "error"; message: string };

/** Steps are reported at most this often (ms): each report carries every point since the last one. */
const STEP_REPORT_MS = 150;

const controller = new AbortController();
const send = (e: WorkerEvent): void => {
  process.send?.(e);
};

/** Turns a step's loss into its point: bits per dimension for a one-phase density model, the recipe's rate. */
function pointMaker(info: FitStart): (step: number, loss: number) => StepPoint {
  const t0 = Date.now();
  // a one-phase model with a density trains on −log p(x) or its bound, in nats per image
  const caps = describeModel(info.model).capabilities;
  const density = info.phases.length === 1 && (caps.includes("exact-density") || caps.includes("bounded-density"));
  const perBit = density ? 1 / (readConfig(info.runDir).dim * Math.LN2) : 0;
  const schedule = makeSchedule(info.training.schedule ?? { kind: "constant" });
  return (step, loss) => ({
    step,
    loss,
    ...(density ? { bits_per_dim: loss * perBit } : {}),
    // the rate the step used: the Trainer sets it from the step count before the step
    lr: info.training.lr * schedule(step - 1),
    seconds: (Date.now() - t0) / 1000,
  });
}

async function run(spec: RunSpec): Promise<void> {
  let lastReport = 0;
  let point: ((step: number, loss: number) => StepPoint) | null = null;
  let pending: StepPoint[] = [];
  let latest: Extract<WorkerEvent, { type: "step" }> | null = null;
  // the points so far, then the latest step (the progress bar's); called before every other event keeps the order
  const flush = (): void => {
    if (pending.length > 0) send({ type: "steps", points: pending });
    if (latest) send(latest);
    pending = [];
    latest = null;
    lastReport = Date.now();
  };
  try {
    const result = await fit(spec, {
      signal: controller.signal,
      onStart: (info) => {
        point = pointMaker(info);
        send({ type: "start", info: { ...info } });
      },
      onNotice: (message) => (flush(), send({ type: "notice", message })),
      onEpochStart: (epoch, batch, batchesPerEpoch) => send({ type: "epoch-start", epoch, batch, batchesPerEpoch }),
      onStep: (p) => {
        pending.push(point!(p.step, p.loss));
        latest = { type: "step", ...p };
        if (Date.now() - lastReport >= STEP_REPORT_MS || p.batch === p.batchesPerEpoch) flush();
      },
      onEpochEnd: flush,
      onMetrics: (record) => (flush(), send({ type: "metrics", record })),
      onTestStart: (n) => (flush(), send({ type: "test-start", n })),
    });
    flush();
    send({ type: "done", result: { ...result } });
  } catch (e) {
    flush();
    send({ type: "error", message: (e as Error).message });
  } finally {
    process.disconnect?.();
  }
}

process.on("message", (m: WorkerRequest) => {
  if (m.type === "stop") controller.abort();
  else if (m.type === "fit") void run(m.spec);
});
// the server going away stops the run as Ctrl-C would: the position is saved
process.on("disconnect", () => controller.abort());
process.on("SIGINT", () => controller.abort());
