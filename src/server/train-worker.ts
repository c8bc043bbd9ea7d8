/**
 * The training process the studio forks for each run: it calls the same `fit` as `deepgen train`, reports every hook
 * to the server as a message, and stops cleanly (saving its position) when the server asks, through fit's signal.
 */
import { fit, type RunSpec } from "../app/index.js";
import "../models/index.js";

export type WorkerRequest = { type: "fit"; spec: RunSpec } | { type: "stop" };

export type WorkerEvent =
  | { type: "start"; info: Record<string, unknown> }
  | { type: "notice"; message: string }
  | { type: "epoch-start"; epoch: number; batch: number; batchesPerEpoch: number }
  | { type: "step"; epoch: number; batch: number; batchesPerEpoch: number; step: number; loss: number }
  | { type: "metrics"; record: Record<string, unknown> }
  | { type: "test-start"; n: number }
  | { type: "done"; result: Record<string, unknown> }
  | { type: "error"; message: string };

/** Step reports are sent at most this often (ms): the page needs a smooth bar, not every step. */
const STEP_REPORT_MS = 150;

const controller = new AbortController();
const send = (e: WorkerEvent): void => {
  process.send?.(e);
};

async function run(spec: RunSpec): Promise<void> {
  let lastStep = 0;
  try {
    const result = await fit(spec, {
      signal: controller.signal,
      onStart: (info) => send({ type: "start", info: { ...info } }),
      onNotice: (message) => send({ type: "notice", message }),
      onEpochStart: (epoch, batch, batchesPerEpoch) => send({ type: "epoch-start", epoch, batch, batchesPerEpoch }),
      onStep: (p) => {
        const now = Date.now();
        if (now - lastStep < STEP_REPORT_MS && p.batch < p.batchesPerEpoch) return;
        lastStep = now;
        send({ type: "step", ...p });
      },
      onMetrics: (record) => send({ type: "metrics", record }),
      onTestStart: (n) => send({ type: "test-start", n }),
    });
    send({ type: "done", result: { ...result } });
  } catch (e) {
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
