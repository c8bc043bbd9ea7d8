/** The process the studio forks for one playground session: trains a toy model and reports snapshots until done. */
import { trainToy, type ToyRequest } from "../app/toy2d.js";

const controller = new AbortController();
const send = (m: unknown): void => {
  process.send?.(m);
};

process.on("message", (m: { type: "train"; request: ToyRequest } | { type: "stop" }) => {
  if (m.type === "stop") return controller.abort();
  trainToy(m.request, {
    signal: controller.signal,
    onStart: (s) => send({ type: "start", ...s }),
    onSnapshot: (s) => send({ type: "snapshot", ...s }),
  })
    .then((r) => send({ type: "done", ...r }))
    .catch((e: Error) => send({ type: "error", message: e.message }))
    .finally(() => process.disconnect?.());
});
process.on("disconnect", () => controller.abort());
