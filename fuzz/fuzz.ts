/**
 * `npm run fuzz -- [--seconds 60 | --iterations N] [--targets png,npy] [--seed 1] [--timeout-ms 5000] [--mem-mb 1024]
 *                  [--out DIR] [--replay target:seed:k]`
 *
 * Mutates seed files for every reader of user files and reports each non-clean failure: an exception other than an
 * Error naming the file, a result breaking the reader's contract, a process crash, an input running past the timeout,
 * or peak memory above the cap. Inputs run in child processes, one target at a time; every finding's input is saved.
 */
import { fork } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Finding } from "./child.js";
import { makeInput, scratch, TARGETS } from "./targets.js";

interface Flags {
  seconds: number;
  iterations: number;
  targets: string[];
  seed: number;
  timeoutMs: number;
  memMb: number;
  out: string;
  replay?: string;
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = {
    seconds: 60,
    iterations: Infinity,
    targets: TARGETS.map((t) => t.name),
    seed: 1,
    timeoutMs: 5000,
    memMb: 1024,
    out: path.join(os.tmpdir(), "deepgen-fuzz-findings"),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, v] = [argv[i]!, argv[i + 1]];
    if (v === undefined) throw new Error(`${flag}: missing value`);
    if (flag === "--seconds") f.seconds = Number(v);
    else if (flag === "--iterations") f.iterations = Number(v);
    else if (flag === "--targets") f.targets = v.split(",");
    else if (flag === "--seed") f.seed = Number(v);
    else if (flag === "--timeout-ms") f.timeoutMs = Number(v);
    else if (flag === "--mem-mb") f.memMb = Number(v);
    else if (flag === "--out") f.out = v;
    else if (flag === "--replay") f.replay = v;
    else throw new Error(`unknown flag ${flag}`);
  }
  const unknown = f.targets.filter((t) => !TARGETS.some((x) => x.name === t));
  if (unknown.length) throw new Error(`unknown target ${unknown[0]}; known: ${TARGETS.map((t) => t.name).join(", ")}`);
  return f;
}

/** Resident memory of a process in MiB, from /proc (0 where unavailable). */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs one child from input `start`; resolves with the next input to run and whether the target is finished. */
function runChild(name: string, f: Flags, start: number, deadline: number, found: Finding[]): Promise<number> {
  const progress = path.join(scratch, `progress-${name}`);
  writeFileSync(progress, new Uint8Array(new Float64Array([start]).buffer));
  const readProgress = () => new Float64Array(new Uint8Array(readFileSync(progress)).buffer)[0]!;
  const child = fork(
    path.join(import.meta.dirname, "child.ts"),
    [name, String(f.seed), String(start), String(f.iterations), String(deadline), progress, String(f.memMb), f.out],
    { execArgv: ["--import", "tsx", `--max-old-space-size=${f.memMb}`], stdio: ["ignore", "ignore", "pipe", "ipc"] },
  );
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  return new Promise((resolve) => {
    let next = -1,
      last = start,
      since = Date.now(),
      killed: Finding["kind"] | null = null;
    const save = (k: number) => {
      writeFileSync(
        path.join(f.out, `${name}-${f.seed}-${k}.bin`),
        makeInput(
          TARGETS.find((t) => t.name === name)!,
          f.seed,
          k,
        ),
      );
    };
    const watch = setInterval(() => {
      const k = readProgress();
      if (k !== last) [last, since] = [k, Date.now()];
      const mb = rssMb(child.pid!);
      if (Date.now() - since > f.timeoutMs) killed = "hang";
      else if (mb > 2 * f.memMb) killed = "memory";
      if (killed) {
        found.push({
          kind: killed,
          target: name,
          k,
          message: killed === "hang" ? `no result after ${f.timeoutMs} ms` : `${Math.round(mb)} MB resident`,
        });
        save(k);
        child.kill("SIGKILL");
      }
    }, 100);
    child.on("message", (m: Finding | { done: number }) => ("done" in m ? (next = m.done) : found.push(m)));
    child.on("exit", (code, signal) => {
      clearInterval(watch);
      if (next >= 0 && code === 0) return resolve(next);
      const k = readProgress();
      if (!killed) {
        const tail = stderr.trim().split("\n").slice(-3).join(" | ");
        found.push({ kind: "crash", target: name, k, message: `exit ${code ?? signal}: ${tail}` });
        save(k);
      }
      resolve(k + 1);
    });
  });
}

/** Groups findings by kind, message shape and place, so one bug found a thousand times reads as one line. */
function summarize(found: Finding[]): string[] {
  const groups = new Map<string, Finding[]>();
  for (const x of found) {
    const key = `${x.target} ${x.kind} ${x.message.replaceAll(scratch, "").replace(/\d+/g, "#")} ${x.where ?? ""}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(x);
  }
  return [...groups.values()].map(
    (xs) =>
      `  ${xs[0]!.target} ${xs[0]!.kind} ×${xs.length} (e.g. input ${xs[0]!.k}): ${xs[0]!.message.replaceAll(scratch + "/", "")}${xs[0]!.where ? `\n      at ${xs[0]!.where}` : ""}`,
  );
}

function replay(spec: string): void {
  const [name, seed, k] = spec.split(":");
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`--replay ${spec}: unknown target`);
  const input = makeInput(t, Number(seed), Number(k));
  console.log(`${name} input ${k} (seed ${seed}), ${input.length} bytes`);
  console.log(t.run(input, path.join(scratch, `input.${name}`)) ?? "returned cleanly");
}

async function main(): Promise<void> {
  const f = parseFlags(process.argv.slice(2));
  if (f.replay) return replay(f.replay);
  if (!existsSync(f.out)) f.out = mkdtempSync(f.out + "-");
  const found: Finding[] = [];
  const per = (f.seconds * 1000) / f.targets.length;
  const start = Date.now();
  const tried: string[] = [];
  for (const name of f.targets) {
    const deadline = Number.isFinite(f.iterations) ? Infinity : Date.now() + per;
    let k = 0;
    while (k < f.iterations && Date.now() < deadline) k = await runChild(name, f, k, deadline, found);
    tried.push(`${name} ${k}`);
    console.error(`${name}: ${k} inputs, ${found.filter((x) => x.target === name).length} findings`);
  }
  const total = tried.reduce((s, t) => s + Number(t.split(" ")[1]), 0);
  console.log(
    `fuzz: seed ${f.seed}, ${total} inputs in ${((Date.now() - start) / 1000).toFixed(0)} s (${tried.join(", ")})`,
  );
  console.log(found.length ? `findings (inputs saved in ${f.out}):` : "no findings");
  for (const line of summarize(found)) console.log(line);
  process.exitCode = found.length ? 1 : 0;
}

await main();
