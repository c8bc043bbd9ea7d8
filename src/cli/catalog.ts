/** `deepgen models` and `deepgen data`: what can be trained, and on what. */
import type { Command } from "commander";
import { DATASETS, mnistDataDir, resolveDataDir } from "../data/datasets.js";
import { BINARIZED_MNIST_FILES, findBinarizedMnist } from "../data/download.js";
import { describeModel, listModelInfo } from "../app/index.js";

export function modelsCommand(program: Command): void {
  program
    .command("models")
    .description("the registered models: what each can do, its options and its training recipes")
    .argument("[name]", "one model: its options (name, default, meaning) and recipes")
    .option("--json", "JSON lines, one per model (with the options' JSON Schema)")
    .action((name: string | undefined, o: { json?: boolean }) => {
      const models = name ? [describeModel(name)] : listModelInfo();
      for (const m of models) {
        if (o.json) {
          console.log(JSON.stringify(m));
          continue;
        }
        const r = m.recipe;
        console.log(`${m.name.padEnd(14)} ${m.family.padEnd(15)} ${m.description}`);
        console.log(`${"".padEnd(30)}can: ${m.can.join(", ")}`);
        console.log(
          `${"".padEnd(30)}recipe: ${r.dataset}, ${r.epochs} epochs, batch ${r.batchSize}, lr ${r.lr}` +
            (r.reference ? ` — ${r.reference}` : ""),
        );
        if (!name) continue;
        console.log("options:");
        for (const opt of m.options)
          console.log(`  ${opt.name.padEnd(22)} ${JSON.stringify(opt.default).padEnd(14)} ${opt.description}`);
        for (const [k, rec] of Object.entries(m.recipes)) console.log(`recipe ${k}: ${JSON.stringify(rec)}`);
      }
    });
}

export function dataCommand(program: Command): void {
  program
    .command("data")
    .description("known datasets, where their files were found, and checksums")
    .option("--data-dir <dir>", "directory with the binarized MNIST files (default: $DEEPGEN_DATA_DIR or ./data)")
    .option("--json", "JSON lines, one per dataset")
    .action((o: { dataDir?: string; json?: boolean }) => {
      const dir = resolveDataDir(o.dataDir);
      for (const d of DATASETS) {
        const files = d.files
          ? d.files(dir)
          : d.needsDataDir
            ? (["train", "valid", "test"] as const).map((s) => {
                const f = findBinarizedMnist(dir, s);
                return {
                  split: s,
                  images: BINARIZED_MNIST_FILES[s].images,
                  path: f?.path ?? null,
                  sha256: f?.sha256 ?? null,
                  verified: f?.verified ?? false,
                };
              })
            : [{ split: "train+valid+test", images: 70000, path: mnistDataDir(), sha256: null, verified: true }];
        const ready = files.every((f) => f.path && f.verified);
        if (o.json)
          console.log(
            JSON.stringify({ name: d.name, description: d.description, binarization: d.binarization, ready, files }),
          );
        else {
          console.log(`${d.name.padEnd(20)} ${ready ? "ready  " : "MISSING"} ${d.description}`);
          for (const f of files) {
            const sum = f.sha256 ? ` sha256 ${f.sha256.slice(0, 12)}… ${f.verified ? "ok" : "MISMATCH"}` : "";
            console.log(`${"".padEnd(29)}${f.split}: ${f.path ?? `not found in ${dir}`}${sum}`);
          }
        }
      }
    });
}
