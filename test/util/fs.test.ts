/** The shared file helpers: atomic replacement and SHA-256. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sha256, writeFileAtomic } from "../../src/util/fs.js";
import { tempDir } from "../tmp.js";

test("writeFileAtomic replaces a file's whole content and leaves no temporary file", () => {
  const dir = tempDir("deepgen-fs-");
  const file = path.join(dir, "out.bin");
  writeFileSync(file, "old content that is longer than the new one");
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 256);
  writeFileAtomic(file, bytes);
  assert.deepEqual(new Uint8Array(readFileSync(file)), bytes);
  writeFileAtomic(file, "text\n");
  assert.equal(readFileSync(file, "utf8"), "text\n");
  assert.deepEqual(readdirSync(dir), ["out.bin"]);
});

test("sha256 matches the FIPS 180-2 test vectors", () => {
  assert.equal(
    sha256(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(sha256(new Uint8Array(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});
