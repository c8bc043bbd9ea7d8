/** `--help` for the scripts in bench/: their usage is their file's opening comment. */
import { readFileSync } from "node:fs";

/** Prints the opening /** … *\/ comment of the file at `url` (pass import.meta.url) without its stars, and exits. */
export function printUsage(url: string): never {
  const source = readFileSync(new URL(url), "utf8");
  console.log(
    source
      .slice(source.indexOf("/**") + 4, source.indexOf("*/"))
      .replace(/^ \* ?/gm, "")
      .trim(),
  );
  process.exit(0);
}
