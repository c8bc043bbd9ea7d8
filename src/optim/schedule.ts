/** Learning-rate schedules as pure functions of the step (so resuming at step t gives the same rate). */

/** Multiplier of the base learning rate at a given step (0-based). */
export type Schedule = (step: number) => number;

export const constant = (): Schedule => () => 1;
/** ×gamma every `every` steps. */
export const stepDecay =
  (every: number, gamma = 0.1): Schedule =>
  (t) =>
    gamma ** Math.floor(t / every);
export const exponential =
  (gamma: number): Schedule =>
  (t) =>
    gamma ** t;
/** Cosine from 1 down to minFactor over `total` steps, then flat. */
export const cosine =
  (total: number, minFactor = 0): Schedule =>
  (t) =>
    minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, total)) / total));
/**
 * The full rate for `hold` steps, then a straight line down to minFactor at step `total`, then flat (CycleGAN's
 * schedule: constant for the first half of training, linear decay to zero over the second).
 */
export const linearDecay =
  (total: number, hold = Math.floor(total / 2), minFactor = 0): Schedule =>
  (t) =>
    t < hold ? 1 : minFactor + (1 - minFactor) * Math.max(0, (total - t) / Math.max(1, total - hold));
/** Linear warm-up from 0 over `steps`, then `after` (shifted to start at the end of warm-up). */
export const warmup =
  (steps: number, after: Schedule = constant()): Schedule =>
  (t) =>
    t < steps ? (t + 1) / steps : after(t - steps);

/**
 * Piecewise-constant stages of growing length: stage i (0-based) lasts first·ratio^i steps at gamma^i, and the last
 * of `count` stages goes on at its rate. Burda et al. (2016) train for 3^i epochs at 10^(−i/7) · 1e-3, i = 0…7:
 * first = one epoch of steps, ratio 3, gamma 10^(−1/7), 8 stages.
 */
export const stages =
  (first: number, ratio: number, gamma: number, count: number): Schedule =>
  (t) => {
    let end = first,
      len = first,
      i = 0;
    while (t >= end && i < count - 1) {
      len *= ratio;
      end += len;
      i++;
    }
    return gamma ** i;
  };

export interface ScheduleSpec {
  kind: "constant" | "step" | "exponential" | "cosine" | "warmup-cosine" | "linear-decay" | "stages";
  every?: number;
  gamma?: number;
  /** cosine, warmup-cosine, linear-decay: the step at which the rate reaches its floor (see `forRun`) */
  total?: number;
  warmupSteps?: number;
  minFactor?: number;
  /** linear-decay: steps at the full rate before the decay (default: half of total) */
  holdSteps?: number;
  /** stages: growth of the stage length (default 3) */
  ratio?: number;
  /** stages: number of stages (default 8) */
  stages?: number;
}

/** Schedules that run over a number of steps, `total`. */
const SPANNING: ReadonlySet<ScheduleSpec["kind"]> = new Set(["cosine", "warmup-cosine", "linear-decay"]);

/** Whether the spec takes its length from the run (a spanning schedule without `total`). */
export const spansRun = (s: ScheduleSpec): boolean => SPANNING.has(s.kind) && s.total === undefined;

/**
 * The spec a run of `runSteps` steps uses: a spanning schedule without its own `total` spans the run (so a changed
 * number of epochs moves the decay with it), and linear-decay's hold defaults to half of that. `notice` says when an
 * explicit `total` ends before the run does: the rate then stays at its floor for the remaining steps.
 */
export function forRun(s: ScheduleSpec, runSteps: number): { spec: ScheduleSpec; notice?: string } {
  if (!SPANNING.has(s.kind)) return { spec: s };
  if (s.total === undefined) return { spec: { ...s, total: Math.max(1, runSteps) } };
  if (s.total >= runSteps) return { spec: s };
  const floor = s.minFactor ?? 0;
  return {
    spec: s,
    notice:
      `the ${s.kind} schedule reaches its floor (${floor} × lr) at step ${s.total} of ${runSteps}; to span the ` +
      `run, give "training": {"schedule": ${JSON.stringify({ ...s, total: undefined })}} (no "total")`,
  };
}

/** A schedule from its JSON description (model recipes and configs use these). */
export function makeSchedule(s: ScheduleSpec): Schedule {
  switch (s.kind) {
    case "constant":
      return constant();
    case "step":
      return stepDecay(s.every ?? 1, s.gamma ?? 0.1);
    case "exponential":
      return exponential(s.gamma ?? 0.99);
    case "cosine":
      return cosine(s.total ?? 1, s.minFactor ?? 0);
    case "warmup-cosine":
      return warmup(s.warmupSteps ?? 0, cosine(s.total ?? 1, s.minFactor ?? 0));
    case "linear-decay":
      return linearDecay(s.total ?? 1, s.holdSteps ?? Math.floor((s.total ?? 1) / 2), s.minFactor ?? 0);
    case "stages":
      return stages(s.every ?? 1, s.ratio ?? 3, s.gamma ?? 10 ** (-1 / 7), s.stages ?? 8);
  }
}
