/**
 * Parsing command-line values. Numbers are only parsed here; their ranges are checked with the same rules as configs.
 */
import { InvalidArgumentError } from "commander";

export function parseThreadList(v: string): number[] {
  const list = v.split(",").map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1))
    throw new InvalidArgumentError(`"${v}" is not a comma-separated list of positive integers`);
  return list;
}

export function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${v}" is not a positive integer`);
  return n;
}

export function parseNonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${v}" is not a non-negative integer`);
  return n;
}

export function parsePositiveNumber(v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`"${v}" is not a positive number`);
  return n;
}

/** Any number; the operation that receives it checks its range (as it does for config files). */
export function parseNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || Number.isNaN(n)) throw new InvalidArgumentError(`"${v}" is not a number`);
  return n;
}

/** Writes to stderr (progress and notices; stdout stays clean for --json). */
export const note = (s: string): void => {
  process.stderr.write(s + "\n");
};
