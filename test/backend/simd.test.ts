/**
 * Instruction-set dispatch: the paths the CPU supports, switching between them, and DEEPGEN_SIMD (forcing a path,
 * refusing an unknown one). Per-path numerics are covered by parity.test.ts and vmath.test.ts, which run every case
 * on every supported path.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { nativeAddon } from "../../src/backend/registry.js";
import { SIMD_PATHS, activeSimd, selectSimd, supportedSimd } from "../../src/backend/native/simd.js";
import { tensor } from "../../src/index.js";
import { onSimd } from "./simd-paths.js";

const addon = nativeAddon();
const skip = addon ? false : "native addon not built (run `npm run build:native`)";
const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
const info = (env: Record<string, string>) =>
  run(process.execPath, ["--import", "tsx", path.join(root, "src/cli/main.ts"), "info", "--json"], {
    cwd: root,
    env: { ...process.env, ...env },
  });

test("supported paths are known names, best first, ending with portable; the default is the best", { skip }, () => {
  const paths = supportedSimd(addon!);
  assert.equal(paths.at(-1), "portable");
  for (const p of paths) assert.ok((SIMD_PATHS as readonly string[]).includes(p), p);
  assert.deepEqual(
    paths,
    SIMD_PATHS.filter((p) => paths.includes(p)),
    "order",
  );
  if (!process.env.DEEPGEN_SIMD) assert.equal(activeSimd(addon!), paths[0]);
});

test("selecting each supported path switches the kernels and gives the same product (atol 1e-5)", { skip }, () => {
  const a = tensor(
    Array.from({ length: 37 * 41 }, (_, i) => Math.sin(i)),
    [37, 41],
  );
  const b = tensor(
    Array.from({ length: 41 * 29 }, (_, i) => Math.cos(i * 0.7)),
    [41, 29],
  );
  const results = supportedSimd(addon!).map((p) =>
    onSimd(p, () => {
      assert.equal(activeSimd(addon!), p);
      return a.matmul(b).toArray();
    }),
  );
  for (const r of results.slice(1)) r.forEach((v, i) => assert.ok(Math.abs(v - results[0]![i]!) <= 1e-5, `[${i}]`));
});

test("an unknown path is refused with the list of known ones, and nothing changes", { skip }, () => {
  const before = activeSimd(addon!);
  assert.throws(() => selectSimd(addon!, "neon512"), /not an instruction-set path; use one of avx512, avx2, portable/);
  assert.equal(activeSimd(addon!), before);
});

test("DEEPGEN_SIMD forces a path for a whole process and rejects a bad one", { skip }, async () => {
  const portable = JSON.parse((await info({ DEEPGEN_SIMD: "portable" })).stdout);
  assert.equal(portable.simd, "portable");
  assert.equal(portable.arch, process.arch, "the architecture the process runs on");
  await assert.rejects(info({ DEEPGEN_SIMD: "sse9" }), /DEEPGEN_SIMD="sse9" is not an instruction-set path/);
  const missing = SIMD_PATHS.filter((p) => !supportedSimd(addon!).includes(p));
  for (const p of missing) await assert.rejects(info({ DEEPGEN_SIMD: p }), /this CPU cannot run/);
});
