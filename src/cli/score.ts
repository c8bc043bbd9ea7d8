/** `deepgen score`: −log p(x) of image files under a trained model, optionally per pixel. */
import type { Command } from "commander";
import { score } from "../app/index.js";
import { parsePositiveInt } from "./options.js";

export function scoreCommand(program: Command): void {
  program
    .command("score")
    .description("−log p(x) of each input image (an anomaly score); --per-pixel adds −log p(x_i | x_<i) per value")
    .argument("<run>", "run directory or .safetensors checkpoint of a model with a density")
    .requiredOption("--input <path>", "a .png file, a .npy array ([n, C, H, W] or [n, dim]) or a folder of .png files")
    .option("--per-pixel", "each value's conditional −log p(x_i | x_<i), nats, raster order (row, column, channel)")
    .option("--batch-size <n>", "images per batch", parsePositiveInt, 100)
    .option("--json", "JSON Lines on stdout: one {image, nll_nats, bits_per_dim[, per_pixel_nats]} per image")
    .action((target: string, o: { input: string; perPixel?: boolean; batchSize: number; json?: boolean }) => {
      const r = score(target, { input: o.input, batchSize: o.batchSize, ...(o.perPixel ? { perPixel: true } : {}) });
      for (const s of r.scores) {
        if (o.json) console.log(JSON.stringify(s));
        else {
          const per = s.per_pixel_nats ? `  per pixel: ${s.per_pixel_nats.map((v) => v.toFixed(3)).join(" ")}` : "";
          console.log(`${s.image}  ${s.nll_nats.toFixed(3)} nats  ${s.bits_per_dim.toFixed(4)} bits/dim${per}`);
        }
      }
      if (!o.json) console.log(`(${r.model}, ${r.estimator} log-likelihood, ${r.scores.length} images)`);
    });
}
