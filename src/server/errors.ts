/** HTTP status of an error thrown by an operation: the user's mistake (400/404/409) or the server's (500). */
import { CapabilityError } from "../app/index.js";
import { OptionsError } from "../models/index.js";
import { CheckpointError } from "../train/safetensors.js";
import { JobConflictError, JobStartError } from "./jobs.js";

export class NotFoundError extends Error {}

export function httpStatusOf(err: Error & { statusCode?: number }): number {
  // fastify's own refusals (body too large, bad JSON) and ours (403, 429) carry their status
  if (typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500) return err.statusCode;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof JobConflictError) return 409;
  if (err instanceof CapabilityError || err instanceof OptionsError || err instanceof RangeError) return 400;
  if (err instanceof CheckpointError || err instanceof JobStartError) return 400;
  if (typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500) return err.statusCode;
  return 500;
}
