/**
 * Lines are at most 120 bytes. ESLint's max-len and Prettier count characters, so a line of 118 characters with a few
 * multi-byte symbols (−, ≤, σ) passes both; this counts UTF-8 bytes over the TypeScript trees and the C++
 * sources of native/ (no formatter checks those).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const LIMIT = 120;

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== "node_modules" && e.name !== "dist") yield* sources(p);
    else if (/\.(ts|tsx|js|mjs|cc|h)$/.test(e.name)) yield p;
  }
}

test(`source lines are at most ${LIMIT} bytes`, () => {
  const long: string[] = [];
  for (const tree of ["src", "test", "bench", "fuzz", "web/src", "native"])
    for (const file of sources(path.join(root, tree)))
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          const n = Buffer.byteLength(line);
          if (n > LIMIT) long.push(`${path.relative(root, file)}:${i + 1} (${n} bytes)`);
        });
  assert.deepEqual(long, [], `wrap these lines:\n${long.join("\n")}`);
});
