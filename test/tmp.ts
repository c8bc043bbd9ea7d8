/** Temporary directories for tests, removed when the test process ends so that repeated runs leave /tmp clean. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const created: string[] = [];

// Removal runs at process exit rather than in an `after` hook: by then every `after` hook of the file has closed its
// servers, workers and child processes, so nothing still writes into the directories (node:test runs each file in
// its own process, so this fires once per file).
function removeAll(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Creates a fresh directory `<os.tmpdir()>/<prefix>XXXXXX` that is deleted, with its contents, at process exit. */
export function tempDir(prefix: string): string {
  if (created.length === 0) process.once("exit", removeAll);
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}
