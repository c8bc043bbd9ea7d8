/**
 * How well a translator keeps what an image shows: each test image of one domain is translated into the other and
 * read by a classifier trained on that other domain; the label survives when the classifier's argmax equals the
 * source image's label. Alongside, the cycle reconstruction error mean |F(G(a)) − a| (and |G(F(b)) − b|) over every
 * value of every test image, and each classifier's accuracy on real images of its own domain (the ceiling the
 * survival rate is read against).
 */
import { greyToRgb, rgbToGrey } from "../data/translation.js";
import type { Split } from "../data/datasets.js";
import type { TranslationDirection, Translator } from "../models/base.js";
import { tensor } from "../tensor/create.js";
import type { FeatureExtractor } from "./classifier/classifier.js";

export interface DirectionReport {
  direction: TranslationDirection;
  /** test images translated */
  n: number;
  /** fraction whose label the target-domain classifier reads after translation */
  label_survival: number;
  /** mean |x'' − x| over values of the round trip source → target → source */
  cycle_abs_error: number;
  /** the target-domain classifier's accuracy on real target-domain test images */
  classifier_accuracy_real: number;
  classifier: string;
}

export interface TranslationMetrics {
  a_to_b: DirectionReport;
  b_to_a: DirectionReport;
}

/** The classifiers of the two domains: A reads grey images [n, 784], B colour images [n, 3·784]. */
export interface DomainClassifiers {
  a: FeatureExtractor & { accuracy(split: Split): number };
  b: FeatureExtractor & { accuracy(split: Split): number };
}

function argmax10(p: Float32Array, i: number): number {
  let best = 0;
  for (let c = 1; c < 10; c++) if (p[i * 10 + c]! > p[i * 10 + best]!) best = c;
  return best;
}

/**
 * Label survival and cycle error in one direction. `source` holds the source-domain test images as the translator
 * reads them ([n, 3·784]); `toClassifier` turns translations into what the target classifier reads.
 */
function direction(
  model: Translator,
  dir: TranslationDirection,
  source: Float32Array,
  labels: Int32Array,
  classify: FeatureExtractor,
  toClassifier: (x: Float32Array, n: number) => Float32Array,
  batch: number,
): { survived: number; absError: number } {
  const D = model.domainShape.reduce((a, b) => a * b, 1);
  const back: TranslationDirection = dir === "a-to-b" ? "b-to-a" : "a-to-b";
  let survived = 0,
    absError = 0;
  const n = labels.length;
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const x = tensor(source.subarray(s * D, (s + m) * D), [m, D]);
    const y = model.translate(x, dir);
    const yv = y.contiguous().data as Float32Array;
    const read = toClassifier(yv, m);
    const probs = classify.probs(tensor(read, [m, read.length / m])).contiguous().data as Float32Array;
    for (let i = 0; i < m; i++) if (argmax10(probs, i) === labels[s + i]) survived++;
    const round = model.translate(y, back).contiguous().data as Float32Array;
    const xv = x.contiguous().data as Float32Array;
    for (let i = 0; i < m * D; i++) absError += Math.abs(round[i]! - xv[i]!);
  }
  return { survived, absError: absError / (n * D) };
}

/**
 * Both directions over the first n images of the test splits: `a` the grey digits [n, 784], `b` their colour domain
 * [n, 3·784], both labelled.
 */
export function translationMetrics(
  model: Translator,
  a: Split,
  b: Split,
  classifiers: DomainClassifiers,
  batch = 250,
): TranslationMetrics {
  if (!a.labels || !b.labels) throw new TypeError("translation metrics need labelled test splits");
  const ab = direction(model, "a-to-b", greyToRgb(a.values, a.n), a.labels, classifiers.b, (x) => x, batch);
  const ba = direction(model, "b-to-a", b.values, b.labels, classifiers.a, rgbToGrey, batch);
  return {
    a_to_b: {
      direction: "a-to-b",
      n: a.n,
      label_survival: ab.survived / a.n,
      cycle_abs_error: ab.absError,
      classifier_accuracy_real: classifiers.b.accuracy(b),
      classifier: classifiers.b.id,
    },
    b_to_a: {
      direction: "b-to-a",
      n: b.n,
      label_survival: ba.survived / b.n,
      cycle_abs_error: ba.absError,
      classifier_accuracy_real: classifiers.a.accuracy(a),
      classifier: classifiers.a.id,
    },
  };
}
