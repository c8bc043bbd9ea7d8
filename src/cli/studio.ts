/** `deepgen studio`: start the local web studio over a runs directory and print its address. */
import type { Command } from "commander";
import { parseNonNegativeInt } from "./options.js";

interface StudioFlags {
  runs: string;
  port: number;
  host: string;
  dataDir?: string;
}

export function studioCommand(program: Command): void {
  program
    .command("studio")
    .description("a local web app to train, watch, sample, score and explore models (runs until Ctrl-C)")
    .option("--runs <dir>", "runs directory to list and train into (created if missing)", "runs")
    .option("--port <n>", "port (0: any free one)", parseNonNegativeInt, 7321)
    .option("--host <addr>", "address to listen on (127.0.0.1: this machine only)", "127.0.0.1")
    .option("--data-dir <dir>", "directory with the binarized MNIST files (default: each run's own)")
    .action(async (f: StudioFlags) => {
      if (!["127.0.0.1", "localhost", "::1"].includes(f.host))
        process.stderr.write(
          `warning: listening on ${f.host}: anyone who can reach this address can train, read and score runs ` +
            `(there is no login); use 127.0.0.1 unless you mean it\n`,
        );
      // the web server (Fastify) loads only here: ~0.3 s that no other command needs to pay
      const { startStudio } = await import("../server/server.js");
      const studio = await startStudio({
        runsDir: f.runs,
        port: f.port,
        host: f.host,
        ...(f.dataDir ? { dataDir: f.dataDir } : {}),
      });
      console.log(`deepgen studio: ${studio.url}  (runs in ${f.runs}; Ctrl-C stops, saving any training position)`);
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        void studio.close().then(() => process.exit(0));
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
}
