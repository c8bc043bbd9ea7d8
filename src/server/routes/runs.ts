/** Runs: the list, one run (config, epoch records, capabilities), its samples, its live events; models; datasets. */
import type { FastifyInstance } from "fastify";
import { describeModel, listModelInfo, sample } from "../../app/index.js";
import { listRuns, readEpochRecords, summarizeRun, type RunSummary } from "../../app/runs-index.js";
import { DATASETS } from "../../data/datasets.js";
import { readConfig } from "../../train/checkpoint.js";
import type { Job } from "../jobs.js";
import type { ServerContext } from "../context.js";
import { eventStream, intParam, runPath, wireImages } from "../wire.js";

type IdParams = { Params: { id: string } };

/** A run's summary with the state of its training process, if one ran in this server. */
function withJob(
  s: RunSummary,
  job: Job | undefined,
): RunSummary & { job?: Job["info"]; capabilities: readonly string[] } {
  let capabilities: readonly string[] = [];
  try {
    capabilities = describeModel(s.model).capabilities;
  } catch {
    // a run of a model this version does not know: listed, but nothing can be done with it
  }
  return { ...s, capabilities, ...(job ? { job: job.info } : {}) };
}

export function runRoutes(api: FastifyInstance, ctx: ServerContext): void {
  api.get("/models", async () => listModelInfo());
  api.get("/datasets", async () => DATASETS);

  api.get("/runs", async () => listRuns(ctx.runsDir).map((s) => withJob(s, ctx.jobs.get(s.id))));

  api.get<IdParams>("/runs/:id", async (req) => {
    const dir = runPath(ctx.runsDir, req.params.id);
    const config = readConfig(dir);
    return {
      ...withJob(summarizeRun(dir, config), ctx.jobs.get(req.params.id)),
      config,
      records: readEpochRecords(dir),
      published: (() => {
        try {
          return describeModel(config.model).published ?? null;
        } catch {
          return null;
        }
      })(),
    };
  });

  api.get<IdParams & { Querystring: { n?: string; seed?: string } }>("/runs/:id/samples", async (req) => {
    const dir = runPath(ctx.runsDir, req.params.id);
    const n = intParam(req.query.n, 16, 1, 256, "n");
    const s = sample(dir, { n, seed: intParam(req.query.seed, 0, 0, 2 ** 31, "seed") });
    return { ...wireImages(s), seconds: s.seconds };
  });

  // live events of a run's training: the history so far, then every event until the process ends
  api.get<IdParams>("/runs/:id/events", (req, reply) => {
    const id = req.params.id;
    const job = ctx.jobs.get(id);
    if (!job) runPath(ctx.runsDir, id); // a run just started may not have written its config yet
    const out = eventStream(req, reply);
    if (!job) {
      out.send("state", { type: "state", state: "idle" });
      out.end();
      return;
    }
    const stop = job.listen((e) => {
      out.send(e.type, e);
      if (e.type === "state" && (e.state === "done" || e.state === "failed")) queueMicrotask(out.end);
    });
    if (job.finished) out.end();
    void out.closed.then(stop);
  });
}
