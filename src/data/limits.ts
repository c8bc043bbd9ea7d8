/** Caps on what one call may allocate, so an oversized request fails with advice instead of deep inside V8. */

/** Most bytes of float32 samples one `sample` call may hold: 1 GiB. */
export const MAX_SAMPLE_BYTES = 2 ** 30;

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(bytes < 1e8 ? 3 : 1)} GB`;

/**
 * Checks that n samples of `dim` float32 values fit in one call, returning the most allowed; throws a RangeError that
 * says how much was asked and how many fit otherwise.
 */
export function checkSampleCount(n: number, dim: number, maxBytes = MAX_SAMPLE_BYTES): number {
  if (!Number.isSafeInteger(dim) || dim < 1) throw new RangeError(`sample: dim must be a positive integer, got ${dim}`);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`sample: n must be a positive integer, got ${n}`);
  const most = Math.floor(maxBytes / (4 * dim));
  if (n > most) throw new RangeError(`sample: n = ${n} is too many (${gb(4 * n * dim)}); at most ${most} per call`);
  return most;
}
