/**
 * Requests the studio answers: from this machine's browser, to the address it listens on. A Host header naming another
 * host is refused (a DNS-rebinding page cannot reach the API through a name it controls), and a state-changing request
 * whose Origin is another site's is refused (another page cannot start trainings through the user's browser).
 */
import type { FastifyInstance } from "fastify";

export class ForbiddenError extends Error {
  readonly statusCode = 403;
}

/** host:port pairs the studio answers to, once it knows its port (null: any, e.g. in-process injection). */
export interface Allowed {
  hosts: Set<string> | null;
}

export function allowedHosts(host: string, port: number): Set<string> {
  const shown = host.includes(":") ? `[${host}]` : host;
  return new Set([`${shown}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
}

export function guardRequests(app: FastifyInstance, allowed: Allowed): void {
  app.addHook("onRequest", async (req) => {
    if (!allowed.hosts) return;
    const host = (req.headers.host ?? "").toLowerCase();
    if (!allowed.hosts.has(host))
      throw new ForbiddenError(`host "${host}" is not this studio's address; open it at ${[...allowed.hosts][0]}`);
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return;
    const origin = req.headers.origin;
    if (origin !== undefined && !allowed.hosts.has(origin.replace(/^https?:\/\//, "").toLowerCase()))
      throw new ForbiddenError(`requests from ${origin} may not change the studio's state`);
  });
}
