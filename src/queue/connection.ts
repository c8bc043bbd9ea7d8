/**
 * The Redis behind the queue: `--queue redis://[user:password@]host:port[/db]` parsed into connection options, and a
 * quick check that a server answers there, so a command fails with a plain message instead of retrying forever.
 */
import { Redis, type RedisOptions } from "ioredis";

/** Every deepgen job goes to this one BullMQ queue; job names tell the processor what to run. */
export const QUEUE_NAME = "deepgen";

export class QueueError extends Error {}

export function parseRedisUrl(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError(`queue address must be a URL like redis://127.0.0.1:6379, not "${url}"`);
  }
  if (u.protocol !== "redis:") throw new QueueError(`queue address must start with redis://, not "${u.protocol}//"`);
  const db = u.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) throw new QueueError(`queue address: "${db}" is not a Redis database number`);
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    ...(db ? { db: Number(db) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/**
 * Connection options for BullMQ. Workers block on Redis and must retry commands indefinitely
 * (maxRetriesPerRequest: null, as BullMQ requires); producers fail fast.
 */
export function connectionFor(url: string, role: "worker" | "producer"): RedisOptions {
  return {
    ...parseRedisUrl(url),
    ...(role === "worker" ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 2 }),
  };
}

/** Resolves when a Redis server answers PING at `url`; otherwise throws a message saying what to do. */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<void> {
  const opts = parseRedisUrl(url);
  const client = new Redis({
    ...opts,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {}); // reported through the rejected connect below
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new QueueError(
      `no Redis server answers at ${url} (${(e as Error).message}); start one (e.g. redis-server --port ` +
        `${opts.port}) or pass the address of yours with --queue`,
      { cause: e },
    );
  } finally {
    client.disconnect();
  }
}
