/**
 * Anomaly detection, scored: the area under the ROC curve (the Mann–Whitney statistic, ties counted as one half),
 * the area under the precision–recall curve (average precision over distinct thresholds), and the false-positive
 * rate at 95% true-positive rate. Convention: a higher score means more anomalous; label 1 marks an anomaly.
 */

export interface DetectionMetrics {
  /** in [0, 1] */
  auroc: number;
  auprc: number;
  fpr_at_95_tpr: number;
  n_anomalies: number;
  n_normal: number;
}

/** Indices sorted by score, highest first (stable). */
function byScoreDescending(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

function check(scores: ArrayLike<number>, labels: ArrayLike<number>): { nPos: number; nNeg: number } {
  if (scores.length !== labels.length)
    throw new RangeError(`anomaly metrics: ${scores.length} scores but ${labels.length} labels`);
  let nPos = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`anomaly metrics: label ${labels[i]} is not 0 or 1`);
    if (!Number.isFinite(scores[i]!)) throw new RangeError(`anomaly metrics: score ${i} is ${scores[i]}`);
    nPos += labels[i]!;
  }
  const nNeg = labels.length - nPos;
  if (nPos === 0 || nNeg === 0) throw new RangeError("anomaly metrics need both anomalies and normal examples");
  return { nPos, nNeg };
}

/** P(score of a random anomaly > score of a random normal example) + ½ P(equal). */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { nPos, nNeg } = check(scores, labels);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const midRank = (i + j) / 2 + 1; // ranks i+1..j+1 share their average
    for (let k = i; k <= j; k++) if (labels[order[k]!] === 1) rankSumPos += midRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Walks the distinct thresholds from the highest score down: (tp, fp) after each group of tied scores. */
function thresholds(scores: ArrayLike<number>, labels: ArrayLike<number>): Array<{ tp: number; fp: number }> {
  const order = byScoreDescending(scores);
  const out: Array<{ tp: number; fp: number }> = [];
  let tp = 0,
    fp = 0;
  for (let i = 0; i < order.length; i++) {
    if (labels[order[i]!] === 1) tp++;
    else fp++;
    if (i + 1 === order.length || scores[order[i + 1]!] !== scores[order[i]!]) out.push({ tp, fp });
  }
  return out;
}

/** Average precision: Σ over thresholds of (recall gained) × precision there. */
export function auprc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { nPos } = check(scores, labels);
  let ap = 0,
    prevRecall = 0;
  for (const { tp, fp } of thresholds(scores, labels)) {
    const recall = tp / nPos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** The false-positive rate at the highest threshold whose true-positive rate reaches 95%. */
export function fprAtTpr(scores: ArrayLike<number>, labels: ArrayLike<number>, tpr = 0.95): number {
  const { nPos, nNeg } = check(scores, labels);
  for (const { tp, fp } of thresholds(scores, labels)) if (tp / nPos >= tpr) return fp / nNeg;
  return 1;
}

export function detectionMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>): DetectionMetrics {
  const { nPos, nNeg } = check(scores, labels);
  return {
    auroc: auroc(scores, labels),
    auprc: auprc(scores, labels),
    fpr_at_95_tpr: fprAtTpr(scores, labels),
    n_anomalies: nPos,
    n_normal: nNeg,
  };
}
