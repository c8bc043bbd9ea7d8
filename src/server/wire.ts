/** How values cross the wire: images as base64 bytes, run ids checked against the runs directory, event streams. */
import { existsSync } from "node:fs";
import path from "node:path";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Images } from "../app/index.js";
import { NotFoundError } from "./errors.js";

/** Images as the page draws them: n images of shape [C, H, W], each value a byte (0–255) in base64. */
export interface WireImages {
  n: number;
  shape: [number, number, number];
  data: string;
}

export function wireImages(im: Pick<Images, "values" | "n" | "shape">): WireImages {
  const bytes = Uint8Array.from(im.values, (v) => Math.round(Math.min(Math.max(v, 0), 1) * 255));
  return { n: im.n, shape: im.shape, data: Buffer.from(bytes).toString("base64") };
}

const ID = /^[\w][\w.-]*$/;

/** The directory of run `id` under the runs directory; 404 unless it holds a run config. */
export function runPath(runsDir: string, id: string): string {
  if (!ID.test(id)) throw new NotFoundError(`"${id}" is not a run name (letters, digits, ".", "-", "_")`);
  const dir = path.join(runsDir, id);
  if (!existsSync(path.join(dir, "config.json"))) throw new NotFoundError(`no run "${id}" in ${runsDir}`);
  return dir;
}

/** A name for a new run directory: given (checked), or the model and the time. */
export function newRunId(model: string, name?: string): string {
  if (name !== undefined) {
    if (!ID.test(name)) throw new RangeError(`run name "${name}" may hold only letters, digits, ".", "-" and "_"`);
    return name;
  }
  return `${model}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
}

/** Opens a Server-Sent Events stream on the reply; returns a writer and a promise of the client going away. */
export function eventStream(
  req: FastifyRequest,
  reply: FastifyReply,
): { send(event: string, data: unknown): void; end(): void; closed: Promise<void> } {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write(": deepgen studio\n\n");
  const closed = new Promise<void>((resolve) => req.raw.on("close", () => resolve()));
  return {
    send: (event, data) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end: () => {
      if (!res.writableEnded) res.end();
    },
    closed,
  };
}

/** A query value as a number within [min, max], or the default when absent. */
export function intParam(v: unknown, def: number, min: number, max: number, name: string): number {
  if (v === undefined || v === "") return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}
