/** `deepgen params --pixels N`: parameter counts of every factorisation of p(x), with fitted confirmations. */
import type { Command } from "commander";
import { paramCounts } from "../app/index.js";
import { parseNonNegativeInt, parsePositiveInt } from "./options.js";

export function paramsCommand(program: Command): void {
  program
    .command("params")
    .description("parameter counts of the factorisations of p(x) over N binary pixels; fitted checks for N ≤ 16")
    .requiredOption("--pixels <N>", "number of binary pixels", parsePositiveInt)
    .option("--hidden <H>", "hidden units of the neural autoregressive rows", parsePositiveInt, 500)
    .option("--k <k>", "context length of the AR(k) row", parseNonNegativeInt, 2)
    .option("--data <name>", "dataset for the fitted lookup-table models (N ≤ 16, central 4×4 patch)", "mnist-fixed")
    .option("--data-dir <dir>", "where the binarized MNIST files are")
    .option("--json", "JSON lines")
    .action((o: { pixels: number; hidden: number; k: number; data: string; dataDir?: string; json?: boolean }) => {
      const N = o.pixels;
      const rows = paramCounts(o);
      if (o.json) for (const r of rows) console.log(JSON.stringify({ pixels: N, ...r }));
      else {
        const fitted =
          N <= 16 ? ` (fitted on the central patch of ${o.data}, test NLL in nats per patch, Laplace smoothing)` : "";
        console.log(`binary images of N = ${N} pixels${fitted}`);
        for (const r of rows)
          console.log(
            `${r.model.padEnd(34)} ${r.parameters.padStart(N > 40 ? 0 : 14)}  ${r.formula}` +
              (r.fitted_parameters ? `  | fitted: ${r.fitted_parameters} params, test NLL ${r.test_nll_nats}` : "") +
              (r.unmasked_weights ? `  | unmasked weights ${r.unmasked_weights}` : ""),
          );
      }
    });
}
