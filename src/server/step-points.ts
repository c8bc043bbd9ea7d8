/**
 * Per-step training points: what the training process batches into one message between reports, and the bounded
 * history a job keeps of them, so a tab that opens later draws the curve so far.
 */

/** One training step as the page plots it. */
export interface StepPoint {
  /** the run's step count after this step (1-based, continuing across resumes) */
  step: number;
  /** the first phase's training loss: nats per image for a model with a density (its NLL or the bound on it) */
  loss: number;
  /** the loss in bits per dimension, loss / (dim · ln 2); only for models with a density */
  bits_per_dim?: number;
  /** the recipe's learning rate at this step (base × schedule) */
  lr?: number;
  /** wall-clock seconds since this training process began training */
  seconds: number;
}

/** The points kept per job: the newest this many (40 bytes each, so at most 4 MB a run). */
export const STEP_HISTORY_POINTS = 100_000;

/** Replayed history goes out in messages of at most this many points, so no single event is megabytes long. */
export const REPLAY_CHUNK = 5_000;

const FIELDS = 5;
const [STEP, LOSS, BPD, LR, SECONDS] = [0, 1, 2, 3, 4];

/**
 * The newest `capacity` step points, in step order, in one Float64Array ring (absent fields stored as NaN); it grows
 * by doubling, so a short run holds little. A point at or before the last one kept (a run resumed from an earlier
 * checkpoint) drops the kept points from that step on, so steps stay strictly increasing.
 */
export class StepHistory {
  #data: Float64Array;
  #start = 0;
  #size = 0;

  constructor(readonly capacity = STEP_HISTORY_POINTS) {
    this.#data = new Float64Array(FIELDS * Math.min(1024, capacity));
  }

  get size(): number {
    return this.#size;
  }

  get lastStep(): number {
    return this.#size ? this.#at(this.#size - 1)[STEP]! : 0;
  }

  push(points: readonly StepPoint[]): void {
    for (const p of points) {
      while (this.#size > 0 && this.lastStep >= p.step) this.#size--;
      if (this.#size === this.capacity) {
        this.#start = (this.#start + 1) % this.#slots;
        this.#size--;
      } else if (this.#size === this.#slots) this.#grow();
      const row = this.#at(this.#size);
      row[STEP] = p.step;
      row[LOSS] = p.loss;
      row[BPD] = p.bits_per_dim ?? NaN;
      row[LR] = p.lr ?? NaN;
      row[SECONDS] = p.seconds;
      this.#size++;
    }
  }

  /** The kept points in step order, in chunks of at most `chunk`. */
  *chunks(chunk = REPLAY_CHUNK): Generator<StepPoint[]> {
    for (let i = 0; i < this.#size; i += chunk) {
      const out: StepPoint[] = [];
      for (let j = i; j < Math.min(i + chunk, this.#size); j++) out.push(pointOf(this.#at(j)));
      yield out;
    }
  }

  get #slots(): number {
    return this.#data.length / FIELDS;
  }

  #at(i: number): Float64Array {
    const k = (this.#start + i) % this.#slots;
    return this.#data.subarray(k * FIELDS, (k + 1) * FIELDS);
  }

  /** Doubles the ring (up to the capacity), unrolling it so the oldest point is first. */
  #grow(): void {
    const next = new Float64Array(FIELDS * Math.min(2 * this.#slots, this.capacity));
    for (let i = 0; i < this.#size; i++) next.set(this.#at(i), i * FIELDS);
    this.#data = next;
    this.#start = 0;
  }
}

function pointOf(row: Float64Array): StepPoint {
  return {
    step: row[STEP]!,
    loss: row[LOSS]!,
    ...(Number.isNaN(row[BPD]) ? {} : { bits_per_dim: row[BPD]! }),
    ...(Number.isNaN(row[LR]) ? {} : { lr: row[LR]! }),
    seconds: row[SECONDS]!,
  };
}
