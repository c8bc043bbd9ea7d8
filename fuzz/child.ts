/**
 * One fuzzing process: runs inputs start, start+1, … of one target until its deadline or end, writing the index of
 * the input in hand to a progress file before each call (so the parent can name the input behind a hang or crash),
 * and appending every non-clean failure and any peak memory above the cap to a findings file.
 */
import { appendFileSync, closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { makeInput, scratch, TARGETS } from "./targets.js";

export interface Finding {
  kind: "exception" | "bad-output" | "memory" | "hang" | "crash";
  target: string;
  k: number;
  message: string;
  /** first stack frames, where the failure was thrown */
  where?: string;
}

const [name, seedText, startText, endText, deadlineText, progressFile, findingsFile, memText, outDir] =
  process.argv.slice(2);
const target = TARGETS.find((t) => t.name === name)!;
const seed = Number(seedText),
  end = Number(endText),
  deadline = Number(deadlineText),
  memKb = Number(memText) * 1024;
const fd = openSync(progressFile!, "r+");
const at = new Float64Array(1);

function report(f: Finding, input: Uint8Array): void {
  mkdirSync(outDir!, { recursive: true });
  writeFileSync(path.join(outDir!, `${f.target}-${seed}-${f.k}.bin`), input);
  appendFileSync(findingsFile!, JSON.stringify(f) + "\n"); // written at once: a later hang or crash loses nothing
}

/** A clean failure is an Error whose message names the file it was reading. */
const isClean = (e: unknown) => e instanceof Error && e.message.length > 0 && e.message.includes(scratch);

let k = Number(startText);
for (; k < end && Date.now() < deadline; k++) {
  at[0] = k;
  writeSync(fd, at, 0, 8, 0);
  const input = makeInput(target, seed, k);
  try {
    const complaint = await target.run(input, path.join(scratch, `input.${name}`));
    if (complaint) report({ kind: "bad-output", target: name!, k, message: complaint }, input);
  } catch (e) {
    if (!isClean(e)) {
      const err = e instanceof Error ? e : new Error(`threw a non-Error: ${String(e)}`);
      const where = err.stack?.split("\n").slice(1, 4).join(" | ").trim();
      report({ kind: "exception", target: name!, k, message: `${err.name}: ${err.message}`, where }, input);
    }
  }
  if (process.resourceUsage().maxRSS > memKb) {
    const mb = Math.round(process.resourceUsage().maxRSS / 1024);
    report({ kind: "memory", target: name!, k, message: `peak memory ${mb} MB after this input` }, input);
    k++;
    break; // peak memory never falls: a fresh process continues from the next input
  }
}
at[0] = k; // the next input to run, for the parent
writeSync(fd, at, 0, 8, 0);
closeSync(fd);
