/**
 * The 2-D playground: one event stream per training session. The stream's request starts a process that trains the
 * toy model (src/app/toy2d.ts) and ends with it; closing the stream stops the process.
 */
import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { TOY_DATASETS, TOY_MODELS } from "../../app/toy2d.js";
import { eventStream, intParam } from "../wire.js";

const here = fileURLToPath(import.meta.url);
const WORKER = path.join(path.dirname(here), "..", `toy-worker${path.extname(here)}`);

type ToyQuery = { Querystring: { data?: string; model?: string; steps?: string; seed?: string; grid?: string } };

export function toyRoutes(api: FastifyInstance): void {
  api.get("/toy", async () => ({ datasets: TOY_DATASETS, models: TOY_MODELS }));

  api.get<ToyQuery>("/toy/train", (req, reply) => {
    const q = req.query;
    const data = q.data ?? "rings",
      model = q.model ?? "ar";
    if (!(TOY_DATASETS as readonly string[]).includes(data))
      throw new RangeError(`unknown toy dataset "${data}"; known: ${TOY_DATASETS.join(", ")}`);
    if (!(TOY_MODELS as readonly string[]).includes(model))
      throw new RangeError(`unknown toy model "${model}"; known: ${TOY_MODELS.join(", ")}`);
    const request = {
      data,
      model,
      steps: intParam(q.steps, 1000, 1, 20000, "steps"),
      seed: intParam(q.seed, 0, 0, 2 ** 31, "seed"),
      grid: intParam(q.grid, 48, 8, 96, "grid"),
    };
    const out = eventStream(req, reply);
    const child = fork(WORKER, [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    child.on("message", (m: { type: string }) => {
      out.send(m.type, m);
      if (m.type === "done" || m.type === "error") out.end();
    });
    child.on("exit", () => out.end());
    // a stop sent while the process is already leaving fails with EPIPE: nothing is left to stop
    child.on("error", () => out.end());
    child.send({ type: "train", request });
    void out.closed.then(() => {
      if (child.connected) child.send({ type: "stop" });
    });
  });
}
