/**
 * Runs deepgen's benchmarks and the PyTorch peer interleaved, several rounds, and prints one JSON line per case with
 * both figures and their ratio. Each figure is the best over rounds of the best over thread counts of the median
 * step time — rounds guard against a noisy (shared) host hitting one side only.
 *
 *   node --import tsx bench/compare.ts step [--rounds 3] [--cases vae,made,made2,fvsbn] [--peer ../shared/peers]
 *   node --import tsx bench/compare.ts gemm [--rounds 3]
 *
 * Needs /usr/bin/python3 with PyTorch (Debian: python3-torch libopenblas0-pthread) for the peer.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: "string", default: "3" },
    cases: { type: "string", default: "fvsbn,made,made2,vae" },
    peer: { type: "string", default: path.resolve(import.meta.dirname, "../../shared/peers") },
    steps: { type: "string", default: "30" },
  },
});
const what = positionals[0] ?? "step";
const rounds = Number(values.rounds);
const cli = path.resolve(import.meta.dirname, "../dist/cli/main.js");
if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
if (!existsSync(values.peer!)) throw new Error(`peer scripts not found at ${values.peer}; pass --peer DIR`);

const lines = (out: string): Array<Record<string, number | string>> =>
  out
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
const best = new Map<string, { ours: number; peer: number }>();
const keep = (key: string, side: "ours" | "peer", v: number): void => {
  const e = best.get(key) ?? { ours: Infinity, peer: Infinity };
  e[side] = Math.min(e[side], v);
  best.set(key, e);
};

for (let r = 0; r < rounds; r++) {
  if (what === "step") {
    // NADE's peer figure is the faster of PyTorch's two formulations (per-pixel loop, prefix sum)
    const peerCases = values
      .cases!.split(",")
      .flatMap((c) => (c === "nade" ? ["nade", "nade_loop"] : [c]))
      .join(",");
    for (const t of [1, 2]) {
      for (const j of lines(
        execFileSync(
          "/usr/bin/python3",
          [path.join(values.peer!, "torch_peer.py"), "--threads", String(t), "--cases", peerCases, "--steps", "20"],
          { encoding: "utf8" },
        ),
      ))
        keep(String(j.case) === "nade_loop" ? "nade" : String(j.case), "peer", Number(j.ms_per_step));
    }
    for (const j of lines(
      execFileSync(
        "node",
        [cli, "bench", "step", ...values.cases!.split(","), "--json", "--threads", "1,2", "--steps", values.steps!],
        { encoding: "utf8" },
      ),
    ))
      keep(String(j.case), "ours", Number(j.ms_per_step));
  } else {
    for (const t of [1, 2]) {
      for (const j of lines(
        execFileSync("/usr/bin/python3", [path.join(values.peer!, "gemm_peer.py")], {
          encoding: "utf8",
          env: { ...process.env, OPENBLAS_NUM_THREADS: String(t) },
        }),
      ))
        keep(`${j.m}x${j.k}x${j.n}@${t}`, "peer", -Number(j.gflops));
    }
    for (const j of lines(
      execFileSync("node", [cli, "bench", "gemm", "--json", "--threads", "1,2"], { encoding: "utf8" }),
    ))
      keep(`${j.m}x${j.k}x${j.n}@${j.threads}`, "ours", -Number(j.gflops));
  }
}

for (const [key, { ours, peer }] of best) {
  if (what === "step") {
    console.log(
      JSON.stringify({
        case: key,
        deepgen_ms: ours,
        torch_ms: peer,
        ratio: +(ours / peer).toFixed(3),
        target: key === "nade" ? 0.1 : 0.8,
        rounds,
      }),
    );
  } else {
    const [shape, threads] = key.split("@");
    console.log(
      JSON.stringify({
        shape,
        threads: Number(threads),
        deepgen_gflops: -ours,
        openblas_gflops: -peer,
        ratio: +(ours / peer).toFixed(3),
        target: 1.2,
        rounds,
      }),
    );
  }
}
