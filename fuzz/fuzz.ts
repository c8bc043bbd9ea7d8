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
    targets: TARGETS.filter((t) => !t.selfTest).map((t) => t.name),
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

/** How long a child may take to load before its first input. */
const STARTUP_MS = 60_000;

/** Resident memory of a process in MiB, from /proc (0 where unavailable). */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs one child from input `start`; resolves with the next input to run. */
function runChild(name: string, f: Flags, start: number, deadline: number, found: Finding[]): Promise<number> {
  const progress = path.join(scratch, `progress-${name}`),
    findings = path.join(scratch, `findings-${name}.jsonl`);
  writeFileSync(progress, new Uint8Array(new Float64Array([-1]).buffer)); // -1 until the child has started
  writeFileSync(findings, "");
  const readProgress = () => new Float64Array(new Uint8Array(readFileSync(progress)).buffer)[0]!;
  const args = [name, f.seed, start, f.iterations, deadline, progress, findings, f.memMb, f.out].map(String);
  const child = fork(path.join(import.meta.dirname, "child.ts"), args, {
    execArgv: ["--import", "tsx", `--max-old-space-size=${f.memMb}`],
    env: { ...process.env, DEEPGEN_FUZZ_SCRATCH: scratch },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const save = (k: number) => {
    const input = makeInput(
      TARGETS.find((t) => t.name === name)!,
      f.seed,
      k,
    );
    writeFileSync(path.join(f.out, `${name}-${f.seed}-${k}.bin`), input);
  };
  return new Promise((resolve) => {
    let last = -1,
      since = Date.now(),
      killed: Finding | null = null;
    const watch = setInterval(() => {
      const k = readProgress();
      if (k !== last) [last, since] = [k, Date.now()];
      if (k < 0 && Date.now() - since < STARTUP_MS) return; // loading tsx and the library is not a hang
      const mb = rssMb(child.pid!);
      if (Date.now() - since > f.timeoutMs)
        killed = { kind: "hang", target: name, k, message: `no result after ${f.timeoutMs} ms` };
      else if (mb > 2 * f.memMb)
        killed = { kind: "memory", target: name, k, message: `${Math.round(mb)} MB resident (killed)` };
      if (killed) child.kill("SIGKILL");
    }, 100);
    child.on("exit", (code, signal) => {
      clearInterval(watch);
      const lines = readFileSync(findings, "utf8").split("\n").filter(Boolean);
      found.push(...lines.map((l) => JSON.parse(l) as Finding));
      const k = Math.max(start, readProgress());
      if (code === 0) return resolve(k);
      const tail = stderr.trim().split("\n").slice(-3).join(" | ");
      found.push(killed ?? { kind: "crash", target: name, k, message: `exit ${code ?? signal}: ${tail}` });
      save(k);
      resolve(k + 1);
    });
  });
}

/** Groups findings by kind, message shape and place, so one bug found a thousand times reads as one line. */
function summarize(found: Finding[]): string[] {
  const groups = new Map<string, Finding[]>();
  for (const x of found) {
    const what = x.kind === "bad-output" ? x.message.split(":")[0] : x.message.replaceAll(scratch, "");
    const key = `${x.target} ${x.kind} ${what!.replace(/\d+/g, "#")} ${x.where ?? ""}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(x);
  }
  return [...groups.values()].map((xs) => {
    const x = xs[0]!;
    const at = x.where ? `\n      at ${x.where}` : "";
    const message = x.message.replaceAll(scratch + "/", "");
    return `  ${x.target} ${x.kind} ×${xs.length} (e.g. input ${x.k}): ${message}${at}`;
  });
}

async function replay(spec: string): Promise<void> {
  const [name, seed, k] = spec.split(":");
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`--replay ${spec}: unknown target`);
  const input = makeInput(t, Number(seed), Number(k));
  console.log(`${name} input ${k} (seed ${seed}), ${input.length} bytes`);
  console.log((await t.run(input, path.join(scratch, `input.${name}`))) ?? "returned cleanly");
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
