/** Where a run directory's training stands: the step saved in last.safetensors (0 before its first save). */
import { existsSync } from "node:fs";
import path from "node:path";
import { readSafetensors } from "../train/safetensors.js";

export function savedStep(runDir: string): number {
  const file = path.join(runDir, "last.safetensors");
  if (!existsSync(file)) return 0;
  const position = readSafetensors(file).metadata.position;
  return position ? (JSON.parse(position) as { step: number }).step : 0;
}
