/**
 * The studio's HTTP server: a JSON API over the application layer (src/app) — the same operations the CLI calls —
 * and the page that `npm run build:web` (run by `npm ci`) builds from web/ into dist/web, served as static files.
 * Errors a user can act on (bad options, a model that cannot do what was asked, a missing run) come back as 400/404
 * with the message; anything else as 500.
 */
import { allowedHosts, guardRequests, type Allowed } from "./guard.js";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance } from "fastify";
import fastifyStatic from "@fastify/static";
import { Jobs } from "./jobs.js";
import type { ServerContext } from "./context.js";
import { httpStatusOf } from "./errors.js";
import { runRoutes } from "./routes/runs.js";
import { trainRoutes } from "./routes/train.js";
import { imageRoutes } from "./routes/images.js";
import { toyRoutes } from "./routes/toy.js";
import "../models/index.js";

export interface StudioOptions {
  /** the directory whose run directories the studio lists and trains into (created if missing) */
  runsDir: string;
  port?: number;
  host?: string;
  /** where runs find data that lives outside the package (binarized MNIST); default: each run's own */
  dataDir?: string;
  /** the built page (default: WEB_DIR) */
  webDir?: string;
}

export interface Studio {
  url: string;
  app: FastifyInstance;
  jobs: Jobs;
  /** stops every training run (saving positions) and closes the server */
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** the built page: dist/web under the package root, two levels above both src/server and dist/server */
export const WEB_DIR = path.resolve(here, "../../dist/web");

/** The largest request body: a few hundred images of scores, or a training spec. */
export const BODY_LIMIT = 1 << 20;

export function buildApp(ctx: ServerContext, allowed: Allowed = { hosts: null }, webDir = WEB_DIR): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });
  guardRequests(app, allowed);
  app.setErrorHandler((err: Error, _req, reply) => {
    void reply.status(httpStatusOf(err)).send({ error: err.message });
  });
  app.register(fastifyStatic, { root: webDir, prefix: "/" });
  app.register(
    (api, _o, done) => {
      runRoutes(api, ctx);
      trainRoutes(api, ctx);
      imageRoutes(api, ctx);
      toyRoutes(api);
      done();
    },
    { prefix: "/api" },
  );
  return app;
}

export async function startStudio(o: StudioOptions): Promise<Studio> {
  const runsDir = path.resolve(o.runsDir);
  mkdirSync(runsDir, { recursive: true });
  const webDir = o.webDir ?? WEB_DIR;
  if (!existsSync(path.join(webDir, "index.html")))
    throw new Error(
      `the studio's page is not built (no ${path.join(webDir, "index.html")}): ` +
        "run `npm run build:web` in the deepgen checkout (`npm ci` builds it too)",
    );
  const jobs = new Jobs();
  const allowed: Allowed = { hosts: null };
  const app = buildApp({ runsDir, jobs, ...(o.dataDir ? { dataDir: o.dataDir } : {}) }, allowed, webDir);
  const host = o.host ?? "127.0.0.1";
  await app.listen({ port: o.port ?? 7321, host });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : (o.port ?? 7321);
  allowed.hosts = allowedHosts(host, port);
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    app,
    jobs,
    close: async () => {
      await jobs.close();
      await app.close();
    },
  };
}
