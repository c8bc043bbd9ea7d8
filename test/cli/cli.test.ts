/** The deepgen CLI end to end on a tiny model: train, eval, sample, models, data, errors, --help, Ctrl-C + resume. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { Command } from "commander";
import { decode } from "fast-png";
import { createProgram } from "../../src/cli/program.js";
import { assertClose } from "../helpers.js";
import { tempDir } from "../tmp.js";

const root = path.resolve(import.meta.dirname, "../..");
const main = path.join(root, "src/cli/main.ts");
const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", main, ...args], { cwd: root, maxBuffer: 1 << 24 });
const fails = async (args: string[], stderr: RegExp) => {
  await assert.rejects(
    cli(...args),
    (e: { code: number; stderr: string }) => e.code !== 0 && stderr.test(e.stderr),
    `deepgen ${args.join(" ")}`,
  );
};
/** Runs the jobs two at a time (each a process of its own, on a two-core machine); their results in order. */
async function twoAtATime<T>(jobs: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < jobs.length; i = next++) results[i] = await jobs[i]!();
  };
  await Promise.all([worker(), worker()]);
  return results;
}
const dir = tempDir("deepgen-cli-");
const cfg = path.join(dir, "tiny.json");
writeFileSync(cfg, JSON.stringify({ options: { hidden: [16] }, training: { epochs: 1, batchSize: 250, lr: 0.01 } }));

test("train → eval → sample on a tiny MADE (offline MNIST), with JSON output", async () => {
  const out = path.join(dir, "run");
  const t = await cli(
    "train",
    "made",
    "--config",
    cfg,
    "--data",
    "mnist-fixed",
    "--out",
    out,
    "--json",
    "--no-progress",
    "--seed",
    "2",
  );
  const lines = t.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2, "one epoch record and the final test result, nothing else on stdout");
  assert.equal(lines[0].epoch, 0);
  const final = lines[1];
  assert.equal(final.split, "test");
  assert.ok(final.nll_nats > 60 && final.nll_nats < 250, `test NLL ${final.nll_nats}`);
  for (const f of ["config.json", "best.safetensors", "last.safetensors", "metrics.jsonl"])
    assert.ok(existsSync(path.join(out, f)), f);
  // the five commands that read the finished run are independent of each other
  const png = path.join(dir, "s.png");
  const cpng = path.join(dir, "c.png");
  const scores = path.join(dir, "scores.npy");
  const [testEval, , validEval] = await twoAtATime([
    () => cli("eval", out, "--json"),
    () => cli("sample", path.join(out, "best.safetensors"), "-n", "6", "--seed", "1", "--out", png, "--scale", "1"),
    () => cli("eval", out, "--split", "valid", "--json"),
    // conditional completion and per-image anomaly scores on the same run
    () => cli("complete", out, "-n", "2", "--samples", "2", "--out", cpng),
    () => cli("eval", out, "--scores", scores),
  ]);
  const e = JSON.parse(testEval!.stdout);
  assert.deepEqual(Object.keys(e), ["model", "nll_nats", "bits_per_dim", "estimator", "binarization", "split", "n"]);
  assert.deepEqual([e.model, e.estimator, e.binarization, e.split, e.n], ["made", "exact", "fixed", "test", 10000]);
  assert.ok(Math.abs(e.nll_nats - final.nll_nats) < 1e-9, "eval reproduces the number train reported");
  assert.ok(Math.abs(e.bits_per_dim - e.nll_nats / (784 * Math.LN2)) < 1e-12);
  const img = decode(readFileSync(png));
  assert.ok(img.width > 28 * 3 && img.height > 28 * 2);
  const v = JSON.parse(validEval!.stdout);
  assert.equal(v.split, "valid");
  assert.ok(existsSync(cpng));
  const { parseNpy } = await import("../../src/data/formats.js");
  const sc = parseNpy(readFileSync(scores), scores);
  assert.deepEqual(sc.shape, [10000]);
  assert.ok(
    [...sc.data].every((x) => x > 0),
    "−log p(x) > 0 for binary images",
  );
  assertClose(
    [[...sc.data].reduce((a, b) => a + b, 0) / 10000],
    [e.nll_nats],
    { atol: 1e-3, rtol: 1e-6 },
    "mean score = reported NLL",
  );
});

test("models and data list what exists, as JSON lines", async () => {
  const [models, data] = await twoAtATime([
    () => cli("models", "--json"),
    () => cli("data", "--json", "--data-dir", dir),
  ]);
  const m = models!.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const made = m.find((x) => x.name === "made");
  assert.ok(made && made.recipe.dataset === "binarized-mnist" && made.defaultConfig.hidden[0] === 500);
  const d = data!.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const names = d.map((x) => x.name);
  assert.deepEqual(names.slice(0, 4), ["binarized-mnist", "mnist", "mnist-dynamic", "mnist-fixed"]);
  for (const n of ["fashion-mnist", "fashion-mnist-fixed", "colour-mnist", "mnist-textured", "mnist-translation"])
    assert.ok(names.includes(n), n);
  const fashion = d.find((x) => x.name === "fashion-mnist");
  assert.equal(fashion.files.length, 4, "Fashion-MNIST lists its four IDX files");
  assert.equal(d[0].ready, false, "no binarized files in an empty directory");
  assert.equal(d[1].ready, true);
});

test("errors a user can act on, with a non-zero exit", async () => {
  const taken = path.join(dir, "taken");
  mkdirSync(taken, { recursive: true });
  writeFileSync(path.join(taken, "config.json"), "{}");
  writeFileSync(path.join(taken, "last.safetensors"), "");
  const bad = path.join(dir, "bad.json");
  writeFileSync(bad, JSON.stringify({ options: { hiden: [3] } }));
  // each a process of its own that fails early: two at a time
  await twoAtATime([
    () => fails(["train", "nope"], /unknown model "nope"; known: .*\bmade\b.*\bvae\b/),
    () =>
      fails(
        ["train", "made", "--data", "foo", "--out", path.join(dir, "x")],
        /unknown dataset "foo"; known: binarized-mnist, mnist/,
      ),
    // flags and config files are checked by the same rules, with the same message
    () =>
      fails(["train", "made", "--epochs", "-3"], /training setting "epochs" must be a positive integer.*\(got -3\)/),
    () => fails(["eval", path.join(dir, "missing")], /no such run directory or checkpoint/),
    () =>
      fails(
        ["train", "made", "--config", cfg, "--data", "mnist-fixed", "--out", taken],
        /already holds a run; resume it, or start a new one in another directory/,
      ),
    () => fails(["eval", taken], /not a deepgen run config|holds no best\.safetensors/),
    () =>
      fails(
        ["train", "made", "--config", bad, "--out", path.join(dir, "y")],
        /model "made" has no option "hiden"; options: hidden, nMasks/,
      ),
  ]);
});

test("--help works on every command", async () => {
  const commands: string[][] = [
    [],
    ["train"],
    ["eval"],
    ["sample"],
    ["complete"],
    ["models"],
    ["data"],
    ["params"],
    ["embed"],
    ["probe"],
    ["reconstruct"],
    ["interpolate"],
    ["bench"],
    ["bench", "step"],
    ["bench", "gemm"],
    ["bench", "sample"],
    ["bench", "overhead"],
    ["demo"],
    ["info"],
    ["score"],
    ["studio"],
    ["reproduce"],
    ["anomaly"],
    ["anomaly", "one-class"],
    ["anomaly", "ood"],
    ["sweep"],
    ["worker"],
    ["jobs"],
    ["bench", "conv"],
    ["bench", "memory"],
  ];
  // every command's help from the program itself, in this process (a process per command cost ~2 s of loading each)
  for (const c of commands) {
    const program = createProgram();
    let out = "";
    const capture = (cmd: Command): void => {
      cmd.exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
      cmd.commands.forEach(capture);
    };
    capture(program);
    await assert.rejects(
      program.parseAsync(["node", "deepgen", ...c, "--help"]),
      (e: { code?: string; exitCode?: number }) => e.code === "commander.helpDisplayed" && e.exitCode === 0,
      c.join(" "),
    );
    assert.match(out, /Usage: deepgen/, c.join(" "));
    // the command's own help, not the program's shown in place of an unknown command
    assert.ok(out.startsWith(`Usage: deepgen ${c.map((w) => `${w} `).join("")}`), `${c.join(" ")}: ${out}`);
    // every command that trains or reads a dataset takes the data directory
    if (["train", "eval", "anomaly one-class", "anomaly ood"].includes(c.join(" ")))
      assert.match(out, /--data-dir <dir>/, c.join(" "));
  }
  // and once through the executable, as a user runs it
  const r = await cli("train", "--help");
  assert.match(r.stdout, /^Usage: deepgen train \[options\] <model>/);
});

test("Ctrl-C saves the position and exits 130; --resume continues to the end", async () => {
  const out = path.join(dir, "int");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", main, "train", "made", "--config", cfg, "--data", "mnist-fixed", "--out", out, "--epochs", "3"],
    { cwd: root },
  );
  let err = "";
  const code = await new Promise<number | null>((resolve) => {
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      if (/epoch 0 \[/.test(err) && !child.killed) setTimeout(() => child.kill("SIGINT"), 200);
    });
    child.on("exit", (c) => resolve(c));
  });
  assert.equal(code, 130, err);
  assert.match(err, /position saved to .*last\.safetensors\. Continue with: deepgen train made --out .* --resume/);
  const r = await cli("train", "made", "--out", out, "--resume", "--json", "--no-progress");
  const last = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  assert.equal(last.split, "test");
  const epochs = readFileSync(path.join(out, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l).epoch);
  assert.deepEqual(epochs, [0, 1, 2]);
});

test("params prints exact counts and fitted tables confirm them", async () => {
  const [full, patch] = await twoAtATime([
    () => cli("params", "--pixels", "784", "--json"),
    () => cli("params", "--pixels", "10", "--k", "3", "--json"),
  ]);
  const rows = full!.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(rows[0].parameters, ((1n << 784n) - 1n).toString(), "2^784 − 1 as an integer");
  assert.equal(rows.find((r) => r.model === "Markov AR(1)").parameters, "1567");
  const small = patch!.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  for (const r of small.filter((x) => x.fitted_parameters))
    assert.equal(
      r.fitted_parameters,
      r.parameters,
      `${r.model}: fitted tables have as many free parameters as the formula`,
    );
  assert.ok(
    small.every(
      (r) => r.test_nll_nats === undefined || (r.test_nll_nats > 0 && r.test_nll_nats < 10 * Math.LN2 + 1e-9),
    ),
    "patch NLLs below the uniform 10 ln 2",
  );
});
