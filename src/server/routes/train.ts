/** Training: start a run from a model, a dataset, options and settings; stop it; resume it. */
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { RunSpec } from "../../app/index.js";
import type { Recipe } from "../../models/index.js";
import { readConfig } from "../../train/checkpoint.js";
import { NotFoundError } from "../errors.js";
import type { ServerContext } from "../context.js";
import { newRunId, runPath } from "../wire.js";

export interface TrainRequest {
  model: string;
  dataset?: string;
  recipe?: "default" | "full" | "short";
  options?: Record<string, unknown>;
  training?: Partial<Pick<Recipe, "epochs" | "batchSize" | "lr">>;
  seed?: number;
  /** the run directory's name under the runs directory (default: model and time) */
  name?: string;
  /** stop after this many steps (saving the position) */
  maxSteps?: number;
}

const trainSchema = {
  type: "object",
  required: ["model"],
  additionalProperties: false,
  properties: {
    model: { type: "string" },
    dataset: { type: "string" },
    recipe: { enum: ["default", "full", "short"] },
    options: { type: "object" },
    training: { type: "object" },
    seed: { type: "integer", minimum: 0 },
    name: { type: "string" },
    maxSteps: { type: "integer", minimum: 1 },
  },
};

export function trainRoutes(api: FastifyInstance, ctx: ServerContext): void {
  api.post<{ Body: TrainRequest }>("/train", { schema: { body: trainSchema } }, async (req, reply) => {
    const b = req.body;
    const id = newRunId(b.model, b.name);
    const spec: RunSpec = {
      model: b.model,
      out: path.join(ctx.runsDir, id),
      training: { ...(b.training ?? {}), ...(b.dataset ? { dataset: b.dataset } : {}) },
      ...(b.options ? { options: b.options } : {}),
      ...(b.recipe ? { recipe: b.recipe } : {}),
      ...(b.seed !== undefined ? { seed: b.seed } : {}),
      ...(b.maxSteps !== undefined ? { maxSteps: b.maxSteps } : {}),
      ...(ctx.dataDir ? { dataDir: ctx.dataDir } : {}),
    };
    const job = await ctx.jobs.start(id, spec);
    return reply.status(202).send(job.info);
  });

  api.post<{ Params: { id: string } }>("/runs/:id/stop", async (req) => {
    const job = ctx.jobs.get(req.params.id);
    if (!job || job.finished) throw new NotFoundError(`run "${req.params.id}" is not training`);
    job.stop();
    return job.info;
  });

  api.post<{ Params: { id: string }; Body: { epochs?: number; maxSteps?: number } | null }>(
    "/runs/:id/resume",
    async (req, reply) => {
      const dir = runPath(ctx.runsDir, req.params.id);
      const config = readConfig(dir);
      const b = req.body ?? {};
      const job = await ctx.jobs.start(req.params.id, {
        model: config.model,
        out: dir,
        resume: true,
        ...(b.epochs !== undefined ? { training: { epochs: b.epochs } } : {}),
        ...(b.maxSteps !== undefined ? { maxSteps: b.maxSteps } : {}),
        ...(ctx.dataDir ? { dataDir: ctx.dataDir } : {}),
      });
      return reply.status(202).send(job.info);
    },
  );
}
