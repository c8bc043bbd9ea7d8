/**
 * A real Redis and real workers for the queue tests: `redis-server` on a free port in a temporary directory (no mock),
 * and `deepgen worker` processes started from source. Tests skip with a message where redis-server is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { checkRedis } from "../../src/queue/index.js";

export const root = path.resolve(import.meta.dirname, "../..");
export const main = path.join(root, "src/cli/main.ts");

/** Why the queue tests cannot run here, or null when they can. */
export function redisMissing(): string | null {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return r.status === 0
    ? null
    : "redis-server is not installed (Debian: apt-get install -y redis-server); the queue tests need a real Redis";
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  process: ChildProcess;
}

/** A throwaway redis-server (no persistence) in `dir`, answering PING before this resolves. */
export async function startRedis(dir: string): Promise<RedisServer> {
  const port = await freePort();
  const p = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""], {
    stdio: "ignore",
  });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await checkRedis(url, 500);
      return { url, process: p };
    } catch (e) {
      if (i > 50 || p.exitCode !== null) throw e;
      await sleep(100);
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface WorkerProcess {
  process: ChildProcess;
  log: () => string;
}

/**
 * A `deepgen worker` process with one kernel thread per job and short stall detection (a lost worker's job is taken
 * up about 4 s after it stops renewing its lock instead of 30 s).
 */
export async function startWorker(url: string): Promise<WorkerProcess> {
  const p = spawn(
    process.execPath,
    ["--import", "tsx", main, "worker", "--queue", url, "--threads", "1", "--lock-ms", "4000", "--stalled-ms", "1000"],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  for (let i = 0; !/takes jobs from/.test(err); i++) {
    if (p.exitCode !== null || i > 600) throw new Error(`worker did not start: ${err}`);
    await sleep(100);
  }
  return { process: p, log: () => err };
}

/** Whether a process has exited (a zombie nobody reaps counts as exited). */
export function exited(pid: number): boolean {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return true;
  return /^State:\s+Z/m.test(readFileSync(status, "utf8"));
}

/** A live process's state, parent and kernel wait channel, for a failure message. */
export function processState(pid: number): string {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (k: string) => new RegExp(`^${k}:\\s+(.*)$`, "m").exec(status)?.[1] ?? "?";
    const wchan = existsSync(`/proc/${pid}/wchan`) ? readFileSync(`/proc/${pid}/wchan`, "utf8") : "?";
    return `pid ${pid} still alive: state ${field("State")}, parent ${field("PPid")}, waiting in ${wchan || "-"}`;
  } catch {
    return "";
  }
}

export async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  await Promise.race([done, sleep(10000)]);
  if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
}
