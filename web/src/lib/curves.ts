// A run's training curves on one step axis: every step's train loss (a light line) and, per epoch, the mean train
// loss and the validation NLL — in nats per image or bits per dimension.
import type { EpochRecord, StepPoint } from "../api.js";

export type Unit = "nats" | "bits";

/** The per-step points received so far, as columns (appended in place: a long run streams many thousands) */
export class StepColumns {
  readonly step: number[] = [];
  readonly loss: number[] = [];
  readonly bits: (number | null)[] = [];

  /** Appends points; one at or before the last kept (a resumed run's stream replays from step 1) drops those after. */
  append(points: readonly StepPoint[]): void {
    for (const p of points) {
      while (this.step.length > 0 && this.step.at(-1)! >= p.step) {
        this.step.pop();
        this.loss.pop();
        this.bits.pop();
      }
      this.step.push(p.step);
      this.loss.push(p.loss);
      this.bits.push(p.bits_per_dim ?? null);
    }
  }
}

/**
 * The factor 1 / (dim · ln 2) that turns a density model's epoch train loss (nats) into bits per dimension, or null
 * when its training process streamed step points without bits/dim: its train loss is not −log p (the first phase
 * of a VQ-VAE prior is the VQ-VAE's objective). With no step points (a run trained elsewhere) the loss is taken as
 * −log p.
 */
export function trainLossPerBit(dim: number, steps: StepColumns): number | null {
  const lossIsNll = steps.step.length === 0 || steps.bits.some((b) => b !== null);
  return lossIsNll ? 1 / (dim * Math.LN2) : null;
}

/**
 * An epoch's train loss in bits per dimension: the record's own figure where it has one (null: not −log p), else —
 * records written before the field existed — the loss converted by `perBit`.
 */
export function trainBits(r: EpochRecord, perBit: number | null): number | null {
  if (r.train_bits_per_dim !== undefined) return r.train_bits_per_dim;
  return perBit === null ? null : r.train_loss * perBit;
}

export type CurveData = [number[], (number | null)[], (number | null)[], (number | null)[]];

/**
 * uPlot's aligned columns: x = the union of the steps with a point and the steps that end an epoch (both sorted), then
 * train per step, train per epoch and valid per epoch (null where a series has no value). `perBit` (1 / (dim · ln 2))
 * converts an epoch's mean train loss to bits per dimension; null when the loss is not in nats of a density.
 */
export function curveData(cols: StepColumns, records: readonly EpochRecord[], unit: Unit, perBit: number | null) {
  const bits = unit === "bits";
  const ends = records.filter((r) => r.step !== undefined).sort((a, b) => a.step! - b.step!);
  const out: CurveData = [[], [], [], []];
  const push = (x: number, step: number | null, r: EpochRecord | undefined) => {
    const [xs, perStep, train, valid] = out;
    xs.push(x);
    perStep.push(step);
    train.push(!r ? null : bits ? trainBits(r, perBit) : r.train_loss);
    valid.push((bits ? r?.valid_bits_per_dim : r?.valid_nll_nats) ?? null);
  };
  let j = 0;
  for (let i = 0; i < cols.step.length; i++) {
    const x = cols.step[i]!;
    for (; j < ends.length && ends[j]!.step! < x; j++) push(ends[j]!.step!, null, ends[j]);
    const r = j < ends.length && ends[j]!.step === x ? ends[j++] : undefined;
    push(x, bits ? cols.bits[i]! : cols.loss[i]!, r);
  }
  for (; j < ends.length; j++) push(ends[j]!.step!, null, ends[j]);
  return out;
}
