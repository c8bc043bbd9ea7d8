/** Printing the translation report of `deepgen eval` for models that translate between two domains. */
import { translationReport, type TranslationReport } from "../app/index.js";
import { note } from "./options.js";

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

function printReport(r: TranslationReport): void {
  console.log(
    `translation by ${r.model} (${r.dataset}), test images; labels read by a classifier of the target domain`,
  );
  console.log(`${"".padEnd(8)} ${"label survival".padStart(15)} ${"cycle |x''−x|".padStart(14)}  target classifier`);
  for (const d of [r.a_to_b, r.b_to_a])
    console.log(
      `${(d.direction === "a-to-b" ? "A → B" : "B → A").padEnd(8)} ${pct(d.label_survival).padStart(15)} ` +
        `${d.cycle_abs_error.toFixed(4).padStart(14)}  ${d.classifier} (${pct(d.classifier_accuracy_real)} on real, ` +
        `n = ${d.n})`,
    );
  console.log("A: grey MNIST digits; B: digits blended into seeded colour textures (mnist-textured)");
}

/** `deepgen eval <run>` for a translator: computes and prints (or prints as JSON) the translation report. */
export function evalTranslation(
  target: string,
  o: { cache?: string; batchSize?: number; json?: boolean; limit?: number },
): void {
  const r = translationReport(target, {
    batchSize: o.batchSize ?? 500,
    ...(o.limit ? { n: o.limit } : {}),
    ...(o.cache ? { cacheDir: o.cache } : {}),
    onClassifier: (domain, p) => {
      if (p.kind === "epoch")
        note(
          `classifier of domain ${domain} (first use): epoch ${p.epoch + 1}/${p.epochs} [${p.seconds.toFixed(0)} s]`,
        );
      if (p.kind === "done") note(`classifier: ${pct(p.testAccuracy)} test accuracy, cached in ${p.file}`);
    },
  });
  if (o.json) console.log(JSON.stringify(r));
  else printReport(r);
}
