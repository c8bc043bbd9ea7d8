/** Timing helpers shared by the benchmarks. */

/** Wall-clock time in ms. */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * CPU time of the whole process (all threads, user + system) in ms. On a shared machine a one-thread run's CPU time
 * is not inflated by waiting for a core, unlike its wall-clock time.
 */
export const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
