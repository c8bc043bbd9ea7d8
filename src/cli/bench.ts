/** `deepgen bench gemm|step`: throughput of the GEMM and time of one optimizer step, as JSON lines or a table. */
import os from "node:os";
import type { Command } from "commander";
import { benchGemm, benchOverhead, benchSample, benchStep, namedSampleCases, sampleCases } from "../bench/run.js";
import { namedStepCases, stepCases } from "../bench/step-cases.js";
import { benchConv, convLayers } from "../bench/conv.js";
import { benchMemory } from "../bench/memory.js";
import { parsePositiveInt, parseThreadList } from "./options.js";

const defaultThreads = (): number[] => [...new Set([1, os.availableParallelism()])];

export function benchCommand(program: Command): void {
  const bench = program
    .command("bench")
    .description("benchmarks against the standard configurations (JSON lines with --json)");

  bench
    .command("gemm")
    .description("float32 GEMM GFLOP/s on the standard shapes, at each thread count")
    .option("--json", "one JSON line per shape: {m,k,n,ms,gflops,threads}")
    .option("--threads <list>", "comma-separated thread counts (default: 1 and all cores)", parseThreadList)
    .option("--reps <n>", "timed repetitions per shape (median reported)", parsePositiveInt, 30)
    .action((o: { json?: boolean; threads?: number[]; reps: number }) => {
      for (const t of o.threads ?? defaultThreads()) {
        for (const r of benchGemm(t, o.reps)) {
          console.log(
            o.json
              ? JSON.stringify(r)
              : `gemm ${r.m}x${r.k}x${r.n}  threads ${r.threads}  ${r.ms.toFixed(3)} ms  ${r.gflops} GFLOP/s`,
          );
        }
      }
    });

  bench
    .command("conv")
    .description("ms of forward + input and weight gradients of each standard convolution layer (as conv_peer.py)")
    .argument("[layers...]", `layers (default: all): ${convLayers.map((l) => l.name).join(", ")}`)
    .option("--json", "one JSON line per layer and thread count: {name,ms,threads,taps,backend}")
    .option("--threads <list>", "comma-separated thread counts (default: 1 and all cores)", parseThreadList)
    .option("--reps <n>", "timed repetitions per layer (median reported)", parsePositiveInt, 20)
    .action((names: string[], o: { json?: boolean; threads?: number[]; reps: number }) => {
      const unknown = names.filter((n) => !convLayers.some((l) => l.name === n));
      if (unknown.length > 0)
        throw new Error(`unknown layer "${unknown[0]}"; known: ${convLayers.map((l) => l.name).join(", ")}`);
      for (const t of o.threads ?? defaultThreads()) {
        for (const r of benchConv(t, o.reps, names.length > 0 ? names : undefined)) {
          console.log(
            o.json
              ? JSON.stringify(r)
              : `conv ${r.name.padEnd(20)} threads ${r.threads}  ${r.ms.toFixed(3)} ms  taps ${r.taps}`,
          );
        }
      }
    });

  bench
    .command("memory")
    .description("peak RSS, tensor bytes allocated per step, and heap growth over many steps of one step case")
    .argument("<case>", `step case: ${Object.keys(stepCases).join(", ")}`)
    .option("--json", "one JSON line: {case,peak_rss_mb,bytes_allocated_per_step,heap_growth_mb_1000_steps,…}")
    .option("--steps <n>", "steps after 20 warm-up steps", parsePositiveInt, 1000)
    .option("--threads <n>", "threads", parsePositiveInt, os.availableParallelism())
    .action((name: string, o: { json?: boolean; steps: number; threads: number }) => {
      const r = benchMemory(name, o.threads, o.steps);
      if (o.json) console.log(JSON.stringify(r));
      else {
        const allocatedMb = (r.bytes_allocated_per_step / 2 ** 20).toFixed(2);
        console.log(`memory ${r.case}: peak RSS ${r.peak_rss_mb} MB, ${allocatedMb} MB allocated per step`);
        console.log(`  live heap + buffers after full GCs, warm-up to end (MB): ${r.heap_mb_samples.join(" ")}`);
        console.log(`  growth over ${r.steps} steps: ${r.heap_growth_mb_1000_steps} MB per 1000 steps`);
      }
    });

  bench
    .command("sample")
    .description(`ms to draw n samples (784 sequential steps) from the standard models: ${sampleCases.join(", ")}`)
    .argument("[models...]", `cases (default: ${sampleCases.join(", ")}; by name: ${namedSampleCases.join(", ")})`)
    .option(
      "--json",
      "one JSON line per model: {model,n,ms,threads,backend} (pixel models: seconds, naive_seconds, ...)",
    )
    .option("-n, --n <count>", "samples (default: 64 for the pixel models, 100 for the others)", parsePositiveInt)
    .option("--no-naive", "pixel models: skip the full-image reference loop (minutes) and the speed-up")
    .option(
      "--naive-n <count>",
      "pixel models: run the full-image loop on fewer samples (reported as naive_n)",
      parsePositiveInt,
    )
    .action((names: string[], o: { json?: boolean; n?: number; naive: boolean; naiveN?: number }) => {
      for (const m of names.length ? names : sampleCases) {
        const r = benchSample(m, o.n, undefined, { naive: o.naive, ...(o.naiveN ? { naiveN: o.naiveN } : {}) });
        const at = "naive_n" in r && r.naive_n !== r.n ? ` at ${r.naive_n} samples` : "";
        const speedup = "speedup" in r && r.speedup !== undefined ? `, ${r.speedup}× the full-image loop${at}` : "";
        console.log(
          o.json ? JSON.stringify(r) : `${r.model}: ${r.n} samples in ${r.ms} ms (${r.threads} threads${speedup})`,
        );
      }
    });

  bench
    .command("overhead")
    .description("µs per op on tiny [4,4] tensors (dispatch, validation, allocation, native call)")
    .option("--json", "one JSON line per op: {op,us_per_op,shape,backend}")
    .action((o: { json?: boolean }) => {
      for (const r of benchOverhead())
        console.log(o.json ? JSON.stringify(r) : `${r.op.padEnd(18)} ${r.us_per_op.toFixed(2)} µs/op`);
    });

  bench
    .command("step")
    .description(`median ms of one Adam step (forward, backward, update); cases: ${Object.keys(stepCases).join(", ")}`)
    .argument("[cases...]", "cases to run (default: all)")
    .option("--json", "one JSON line per case and thread count: {case,ms_per_step,threads,…}")
    .option("--threads <list>", "comma-separated thread counts (default: 1 and all cores)", parseThreadList)
    .option("--steps <n>", "timed steps after 5 warm-up steps (median reported)", parsePositiveInt, 30)
    .action((cases: string[], o: { json?: boolean; threads?: number[]; steps: number }) => {
      const names = cases.length > 0 ? cases : Object.keys(stepCases);
      const unknown = names.filter((n) => !(n in namedStepCases));
      if (unknown.length > 0)
        throw new Error(`unknown case "${unknown[0]}"; known: ${Object.keys(namedStepCases).join(", ")}`);
      for (const name of names) {
        for (const t of o.threads ?? defaultThreads()) {
          const r = benchStep(name, t, o.steps);
          console.log(
            o.json
              ? JSON.stringify(r)
              : `step ${r.case}  threads ${r.threads}  ${r.ms_per_step.toFixed(3)} ms/step  ` +
                  `(${r.backend}, loss ${r.loss})`,
          );
        }
      }
    });
}
