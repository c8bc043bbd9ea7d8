/**
 * Images in and out of trained runs: score a drawn image under chosen runs (nats, bits/dim, rank among test images),
 * complete a drawn image, the latent map and interpolations of latent models.
 */
import { statSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { interpolate, observedMask, openRun, type OpenRun } from "../../app/index.js";
import { completeImages, percentile, referenceScores, scoreImages, type ImageScores } from "../../app/draw.js";
import { latentMap } from "../../app/latent-map.js";
import type { ServerContext } from "../context.js";
import { intParam, runPath, wireImages } from "../wire.js";

/** Test images a drawn image is ranked against (scored with the same estimator). */
const REFERENCE_IMAGES = 500;

const pixels = { type: "array", items: { type: "number", minimum: 0, maximum: 1 }, minItems: 1 };
const scoreSchema = {
  type: "object",
  required: ["runs", "images"],
  additionalProperties: false,
  properties: { runs: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 16 }, images: pixels },
};
const completeSchema = {
  type: "object",
  required: ["run", "image"],
  additionalProperties: false,
  properties: {
    run: { type: "string" },
    image: pixels,
    keep: { enum: ["top", "left"] },
    samples: { type: "integer", minimum: 1, maximum: 64 },
    seed: { type: "integer", minimum: 0 },
  },
};

interface ScoreRow {
  id: string;
  model?: string;
  nll_nats?: number[];
  bits_per_dim?: number[];
  estimator?: string;
  preprocessing?: string;
  /** share of the reference test images with a lower −log p(x), per scored image */
  percentile?: number[];
  reference?: { split: "test"; n: number; median_nll_nats: number };
  /** −log p(x_i | x_<i) of every value (raster order), for models with per-pixel conditionals: the heat map */
  per_pixel_nats?: number[];
  error?: string;
}

/** Runs kept open for scoring (each stroke scores again): the most recently used few, as models can be large. */
const OPEN_RUNS = 4;

/** The checkpoints' modification times: a run that trains on (or is resumed) is opened afresh. */
function checkpointStamp(dir: string): string {
  return ["best.safetensors", "last.safetensors"]
    .map((f) => {
      try {
        return statSync(path.join(dir, f)).mtimeMs;
      } catch {
        return -1;
      }
    })
    .join("/");
}

export function imageRoutes(api: FastifyInstance, ctx: ServerContext): void {
  // reading a checkpoint and building the model costs more than scoring one image: keep the last few runs open
  const opened = new Map<string, { stamp: string; run: OpenRun }>();
  const open = (dir: string): OpenRun => {
    const stamp = checkpointStamp(dir);
    const hit = opened.get(dir);
    opened.delete(dir);
    const run = hit && hit.stamp === stamp ? hit.run : openRun(dir);
    opened.set(dir, { stamp, run });
    if (opened.size > OPEN_RUNS) opened.delete(opened.keys().next().value!);
    return run;
  };
  // reference scores per checkpoint file and its modification time: a run that trains on is scored afresh
  const references = new Map<string, ImageScores>();
  const reference = (run: OpenRun): ImageScores => {
    const weights = run.weights;
    const key = `${weights}@${statSync(weights).mtimeMs}`;
    let r = references.get(key);
    if (!r) {
      r = referenceScores(run, { n: REFERENCE_IMAGES, cheap: true, ...(ctx.dataDir ? { dataDir: ctx.dataDir } : {}) });
      references.set(key, r);
    }
    return r;
  };

  api.post<{ Body: { runs: string[]; images: number[] } }>("/score", { schema: { body: scoreSchema } }, async (req) => {
    const rows: ScoreRow[] = req.body.runs.map((id) => {
      try {
        const run = open(runPath(ctx.runsDir, id));
        const s = scoreImages(run, req.body.images, { cheap: true, perPixel: true });
        const ref = reference(run);
        const sorted = Float64Array.from(ref.nll_nats).sort();
        return {
          id,
          model: s.model,
          nll_nats: Array.from(s.nll_nats),
          bits_per_dim: Array.from(s.bits_per_dim),
          estimator: s.estimator,
          preprocessing: s.preprocessing,
          percentile: Array.from(s.nll_nats, (v) => percentile(v, ref.nll_nats)),
          reference: { split: "test", n: ref.nll_nats.length, median_nll_nats: sorted[sorted.length >> 1]! },
          ...(s.per_pixel_nats ? { per_pixel_nats: Array.from(s.per_pixel_nats) } : {}),
        };
      } catch (e) {
        return { id, error: (e as Error).message };
      }
    });
    return { rows };
  });

  api.post<{ Body: { run: string; image: number[]; keep?: string; samples?: number; seed?: number } }>(
    "/complete",
    { schema: { body: completeSchema } },
    async (req) => {
      const b = req.body;
      const dir = runPath(ctx.runsDir, b.run);
      const { config } = openRun(dir);
      const observed = observedMask(config.shape, b.keep ?? "top");
      const out = completeImages(dir, b.image, { observed, samples: b.samples ?? 8, seed: b.seed ?? 0 });
      return wireImages(out);
    },
  );

  api.get<{ Params: { id: string }; Querystring: { size?: string; n?: string } }>("/runs/:id/latent", async (req) => {
    const dir = runPath(ctx.runsDir, req.params.id);
    const m = latentMap(dir, {
      size: intParam(req.query.size, 10, 2, 32, "size"),
      n: intParam(req.query.n, 1000, 10, 10000, "n"),
    });
    const { grid, ...plane } = m;
    return { ...plane, ...(grid ? { grid: { ...wireImages(grid), size: grid.size } } : {}) };
  });

  api.get<{ Params: { id: string }; Querystring: { from?: string; to?: string; steps?: string } }>(
    "/runs/:id/interpolate",
    async (req) => {
      const dir = runPath(ctx.runsDir, req.params.id);
      const q = req.query;
      return wireImages(
        interpolate(dir, {
          from: intParam(q.from, 0, 0, 9999, "from"),
          to: intParam(q.to, 1, 0, 9999, "to"),
          steps: intParam(q.steps, 10, 2, 32, "steps"),
        }),
      );
    },
  );
}
