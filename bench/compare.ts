/**
 * Runs deepgen's benchmarks and the PyTorch/numpy peer interleaved, several rounds, and prints one JSON line per case
 * with both figures and their ratio. Each figure is the best over rounds of the best over thread counts of the
 * median — rounds guard against a noisy (shared) host hitting one side only.
 *
 *   node --import tsx bench/compare.ts step [--rounds 3] [--cases vae,made,made2,fvsbn] [--peer ../shared/peers]
 *   node --import tsx bench/compare.ts step --cases pixelcnn,dcgan --simd avx2 --clock cpu
 *   node --import tsx bench/compare.ts gemm [--rounds 3]
 *   node --import tsx bench/compare.ts conv [--rounds 3]
 *
 * --baseline DIR runs another deepgen checkout's CLI (DIR/dist/cli/main.js) in the same rounds and adds its figure
 * (before/after comparisons on the same machine under the same load). Each CLI runs with the node flags of its `#!`
 * line, as the `deepgen` command does.
 *
 * --simd PATH (or DEEPGEN_SIMD=PATH) runs deepgen's kernels on one instruction-set path (avx512, avx2, portable).
 * With avx2 the peer is held to AVX2 as well, as it would run on an AVX2 machine: oneDNN's convolutions
 * (ONEDNN_MAX_CPU_ISA, DNNL_MAX_CPU_ISA for older oneDNN), ATen's vectorized ops (ATEN_CPU_CAPABILITY) and OpenBLAS
 * (OPENBLAS_CORETYPE=Haswell). Otherwise the peer runs unrestricted. Every row names the path each side ran:
 * `simd` (deepgen's, from `deepgen info`) and `torch_isa` (probed once: ATen's capability, OpenBLAS's core, the ISA
 * oneDNN reports and the implementation it picks for a convolution).
 *
 * --clock cpu times one-thread runs by the CPU time of the process instead of the wall clock, on both sides (the
 * peer runs with time.perf_counter replaced by time.process_time): on a machine whose cores other jobs are using,
 * waiting for a core then inflates neither figure. --threads 1,2 (default) or a subset.
 *
 * Needs /usr/bin/python3 with PyTorch (Debian: python3-torch libopenblas0-pthread) for the peer.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { printUsage } from "./usage.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: "string", default: "3" },
    cases: { type: "string", default: "fvsbn,made,made2,vae" },
    peer: { type: "string", default: path.resolve(import.meta.dirname, "../../shared/peers") },
    steps: { type: "string", default: "30" },
    clock: { type: "string", default: "wall" },
    threads: { type: "string", default: "1,2" },
    baseline: { type: "string" },
    simd: { type: "string", default: process.env.DEEPGEN_SIMD ?? "" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) printUsage(import.meta.url);
const what = positionals[0] ?? "step";
const rounds = Number(values.rounds);
const cpuClock = values.clock === "cpu";
if (!cpuClock && values.clock !== "wall") throw new Error(`--clock ${values.clock}: use wall or cpu`);
const threads = cpuClock ? [1] : values.threads!.split(",").map(Number);
const cli = path.resolve(import.meta.dirname, "../dist/cli/main.js");
if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
if (!existsSync(values.peer!)) throw new Error(`peer scripts not found at ${values.peer}; pass --peer DIR`);

type Row = Record<string, number | string>;
const lines = (out: string): Row[] =>
  out
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));

const simd = values.simd!;
if (!["", "avx512", "avx2", "portable"].includes(simd)) throw new Error(`--simd ${simd}: use avx512, avx2 or portable`);
/** The peer's environment: PyTorch held to AVX2 when deepgen runs its AVX2 kernels (verified by torchIsa). */
const peerEnv: Record<string, string> =
  simd === "avx2"
    ? {
        ONEDNN_MAX_CPU_ISA: "AVX2",
        DNNL_MAX_CPU_ISA: "AVX2",
        ATEN_CPU_CAPABILITY: "avx2",
        OPENBLAS_CORETYPE: "Haswell",
      }
    : {};
const oursEnv = { ...process.env, ...(simd ? { DEEPGEN_SIMD: simd } : {}) };

/** What the peer's PyTorch runs on under peerEnv: one convolution with oneDNN's verbose log, ATen's config. */
function torchIsa(): string {
  const probe = [
    "import ctypes, re, torch, torch.nn.functional as F",
    "F.conv2d(torch.rand(32, 32, 28, 28), torch.rand(32, 32, 3, 3), padding=1)",
    "blas = ctypes.CDLL('libopenblas.so.0'); blas.openblas_get_corename.restype = ctypes.c_char_p",
    "aten = re.search(r'CPU capability usage: (\\S+)', torch.__config__.show())",
    "core = blas.openblas_get_corename().decode()",
    "print('aten:' + (aten.group(1) if aten else '?'), 'openblas:' + core, flush=True)",
  ].join("\n");
  const env = { ...process.env, ...peerEnv, ONEDNN_VERBOSE: "1", DNNL_VERBOSE: "1" };
  const out = execFileSync("/usr/bin/python3", ["-c", probe], { encoding: "utf8", env });
  const isa = /verbose,info,cpu,isa:([^\n]*)/.exec(out)?.[1] ?? "?";
  const conv = /verbose,exec,cpu,convolution,([^,]*)/.exec(out)?.[1] ?? "?";
  const rest = /^aten:.*$/m.exec(out)?.[0] ?? "";
  return `${rest} onednn:${conv} (${isa})`;
}

/** Runs a peer script; with the CPU clock, its perf_counter reads process CPU time. */
function peer(script: string, args: string[], extraEnv: Record<string, string> = {}): Row[] {
  const env = { ...process.env, ...peerEnv, ...extraEnv };
  const file = path.join(values.peer!, script);
  const argv = cpuClock
    ? [
        "-c",
        "import sys, time, runpy; time.perf_counter = time.process_time; sys.argv = sys.argv[1:]; " +
          "runpy.run_path(sys.argv[0], run_name='__main__')",
        file,
        ...args,
      ]
    : [file, ...args];
  return lines(execFileSync("/usr/bin/python3", argv, { encoding: "utf8", env }));
}
const baseCli = values.baseline ? path.resolve(values.baseline, "dist/cli/main.js") : null;
if (baseCli && !existsSync(baseCli)) throw new Error(`--baseline: ${baseCli} is missing (build that checkout first)`);
type Side = "ours" | "peer" | "base";
/** Runs a CLI as its `#!` line says (`#!/usr/bin/env -S node FLAGS`: node with those flags), on the --simd path. */
function runCli(file: string, args: string[]): string {
  const flags = /^#!.*\bnode\b(.*)$/m.exec(readFileSync(file, "utf8").split("\n", 1)[0]!)?.[1]?.trim();
  const argv = [...(flags ? flags.split(/\s+/) : []), file, ...args];
  return execFileSync("node", argv, { encoding: "utf8", env: oursEnv });
}
/** Runs our CLI, then the baseline's (if any) with the same arguments. */
function ours(args: string[], use: (j: Row, side: Side) => void): void {
  for (const [side, file] of [["ours", cli] as const, ...(baseCli ? [["base", baseCli] as const] : [])])
    for (const j of lines(runCli(file, args))) use(j, side);
}
/** The instruction-set path our kernels run on under oursEnv. */
const oursSimd = String(lines(runCli(cli, ["info", "--json"]))[0]!.simd);

const best = new Map<string, Record<Side, number>>();
/** Keeps the smallest value per key and side (times; GFLOP/s are kept negated). */
const keep = (key: string, side: Side, v: number): void => {
  const e = best.get(key) ?? { ours: Infinity, peer: Infinity, base: Infinity };
  e[side] = Math.min(e[side], v);
  best.set(key, e);
};
const tArg = ["--threads", threads.join(",")];

function round(): void {
  if (what === "step") {
    // NADE's peer figure is the faster of PyTorch's two formulations (per-pixel loop, prefix sum)
    const cases = values.cases!.split(",");
    const peerCases = cases.flatMap((c) => (c === "nade" ? ["nade", "nade_loop"] : [c])).join(",");
    for (const t of threads)
      for (const j of peer("torch_peer.py", ["--threads", String(t), "--cases", peerCases, "--steps", "20"]))
        keep(String(j.case) === "nade_loop" ? "nade" : String(j.case), "peer", Number(j.ms_per_step));
    ours(["bench", "step", ...cases, "--json", ...tArg, "--steps", values.steps!], (j, side) =>
      keep(String(j.case), side, Number(cpuClock ? j.cpu_ms_per_step : j.ms_per_step)),
    );
  } else if (what === "gemm") {
    for (const t of threads)
      for (const j of peer("gemm_peer.py", [], { OPENBLAS_NUM_THREADS: String(t) }))
        keep(`${j.m}x${j.k}x${j.n}@${t}`, "peer", -Number(j.gflops));
    ours(["bench", "gemm", "--json", ...tArg], (j, side) =>
      keep(`${j.m}x${j.k}x${j.n}@${j.threads}`, side, -Number(cpuClock ? j.cpu_gflops : j.gflops)),
    );
  } else if (what === "conv") {
    for (const t of threads)
      for (const j of peer("conv_peer.py", ["--threads", String(t)])) keep(`${j.name}@${t}`, "peer", Number(j.ms));
    ours(["bench", "conv", "--json", ...tArg], (j, side) =>
      keep(`${j.name}@${j.threads}`, side, Number(cpuClock ? j.cpu_ms : j.ms)),
    );
  } else {
    throw new Error(`unknown comparison "${what}"; use step, gemm or conv`);
  }
}

const peerIsa = what === "gemm" ? null : torchIsa();
for (let r = 0; r < rounds; r++) round();

const clock = cpuClock ? "cpu" : "wall";
const isas = { simd: oursSimd, torch_isa: peerIsa };
for (const [key, { ours: o, peer: p, base: b }] of best) {
  const baseline = (v: number) => (baseCli ? { baseline: v, speedup: +(v / o).toFixed(3) } : {});
  if (what === "step") {
    const target = key === "nade" ? 0.1 : 0.8;
    const row = { case: key, deepgen_ms: o, torch_ms: p, ratio: +(o / p).toFixed(3), target, ...baseline(b) };
    console.log(JSON.stringify({ ...row, rounds, clock, ...isas }));
  } else if (what === "gemm") {
    const [shape, t] = key.split("@");
    const [dg, ob] = [-o, -p];
    const row = { shape, threads: Number(t), deepgen_gflops: dg, openblas_gflops: ob, ratio: +(dg / ob).toFixed(3) };
    const base = baseCli ? { baseline_gflops: -b, speedup: +(o / b).toFixed(3) } : {};
    console.log(JSON.stringify({ ...row, target: 1.0, ...base, rounds, clock, simd: oursSimd }));
  } else {
    const [name, t] = key.split("@");
    const row = { name, threads: Number(t), deepgen_ms: o, torch_ms: p, ratio: +(o / p).toFixed(3), ...baseline(b) };
    console.log(JSON.stringify({ ...row, rounds, clock, ...isas }));
  }
}
