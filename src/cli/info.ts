/** `deepgen info`: which backend, SIMD level and thread count this machine uses, on which architecture. */
import os from "node:os";
import type { Command } from "commander";
import { getBackend, getNumThreads, nativeAddon } from "../backend/registry.js";
import { activeSimd, supportedSimd } from "../backend/native/simd.js";
import { VERSION } from "../version.js";

export function infoCommand(program: Command): void {
  program
    .command("info")
    .description("backend, SIMD level, threads and versions")
    .option("--json", "print one JSON document")
    .action((o: { json?: boolean }) => {
      const addon = nativeAddon();
      const info = {
        deepgen: VERSION,
        node: process.versions.node,
        backend: getBackend().name,
        simd: addon ? activeSimd(addon) : null,
        simd_paths: addon ? supportedSimd(addon).join(" ") : null,
        threads: getNumThreads(),
        arch: process.arch,
        cpus: os.availableParallelism(),
        cpu: os.cpus()[0]?.model ?? "unknown",
      };
      if (o.json) console.log(JSON.stringify(info));
      else for (const [k, v] of Object.entries(info)) console.log(`${k.padEnd(10)} ${v}`);
    });
}
