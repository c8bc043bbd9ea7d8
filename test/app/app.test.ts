/**
 * The application layer: options and settings validated at the door (nothing written on bad input), capabilities
 * asked and refused plainly, --max-steps checkpoints that every reading operation accepts, runs written by version
 * 0.1.0 still loading and resuming, and the CLI free of model-specific code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { app, models, Generator } from "../../src/index.js";
import { scoreImages } from "../../src/app/draw.js";
import { readEpochRecords } from "../../src/app/runs-index.js";
import { storagePoolBytes } from "../../src/tensor/storage.js";
import { readSafetensors } from "../../src/train/safetensors.js";
import { tempDir } from "../tmp.js";

const tmp = (p: string): string => tempDir(`deepgen-app-${p}-`);
const fixtures = path.resolve(import.meta.dirname, "../fixtures/v0.1");
const tiny = { options: { hidden: [8] }, training: { epochs: 1, batchSize: 500, lr: 0.01, dataset: "mnist-fixed" } };

test("model options are validated with a message naming the model, the option and its rule", () => {
  const made = models.getModelSpec("made"),
    vae = models.getModelSpec("vae");
  assert.throws(
    () => models.resolveOptions(made, { hidden: 500 }),
    /^RangeError: made: option "hidden" must be an array of positive integers, e\.g\. \[500\] \(got 500\)$/,
  );
  assert.throws(() => models.resolveOptions(made, { hidden: [-5] }), /option "hidden" must be an array of positive/);
  assert.throws(() => models.resolveOptions(vae, { latent: "8" }), /vae: option "latent" must be a positive integer/);
  assert.throws(() => models.resolveOptions(vae, { activation: "gelu" }), /option "activation" must be one of "tanh"/);
  assert.throws(
    () => models.resolveOptions(made, { hiden: [3] }),
    /model "made" has no option "hiden"; options: hidden/,
  );
  // valid values pass through, missing ones take their defaults
  const o = models.resolveOptions(vae, { latent: 8 });
  assert.equal(o.latent, 8);
  assert.deepEqual(o.hidden, [200, 200]);
});

test("bad training settings and options are refused before anything is written", async () => {
  for (const [config, pattern] of [
    [{ training: { epochs: -2 } }, /training setting "epochs" must be a positive integer.*got -2/],
    [{ training: { lr: -1 } }, /training setting "lr" must be a positive number.*got -1/],
    [{ training: { schedule: { kind: "linear" } } }, /training setting "schedule\.kind" must be one of/],
    [{ training: { epocs: 3 } }, /unknown training setting "epocs"/],
    [{ options: { hidden: [-5] } }, /made: option "hidden" must be an array of positive integers/],
    [{ training: { dataset: "nope" } }, /unknown dataset "nope"/],
  ] as const) {
    const out = path.join(tmp("bad"), "run");
    await assert.rejects(app.fit({ model: "made", config: JSON.stringify(config), out }), pattern);
    assert.equal(existsSync(out), false, `nothing written for ${JSON.stringify(config)}`);
  }
  await assert.rejects(app.fit({ model: "made", config: "{not json" }), /config: not valid JSON/);
  await assert.rejects(app.fit({ model: "made", config: "/no/such/file.json" }), /no such file/);
});

test("capabilities: declared ones are implemented, and a missing one is refused plainly", () => {
  for (const spec of models.listModels()) {
    const m = models.createModel(spec, {}, { dim: 4, shape: [1, 2, 2] }, new Generator(0));
    for (const c of models.CAPABILITIES) {
      const declared = m.capabilities.includes(c);
      const methods = models.CAPABILITY_METHODS[c].every(
        (k) => typeof (m as unknown as Record<string, unknown>)[k] === "function",
      );
      if (declared) assert.ok(methods, `${spec.name} declares ${c} but lacks ${models.CAPABILITY_METHODS[c]}`);
    }
    assert.ok(m.capabilities.includes("trainable") || m.capabilities.includes("closed-form"), spec.name);
  }
  const ae = models.createModel(models.getModelSpec("autoencoder"), {}, { dim: 4, shape: [1, 2, 2] }, new Generator(0));
  assert.throws(
    () => app.requireCapability(ae, "autoencoder", models.canSample, "sampler", "sample"),
    /^Error: autoencoder cannot sample: it has no prior to sample from; try .*\bvae\b/,
  );
  assert.equal(app.describeModel("vae").capabilities.includes("bounded-density"), true);
  assert.equal(app.describeModel("nade").capabilities.includes("exact-density"), true);
  const schema = app.describeModel("made").optionsSchema as { properties: Record<string, { default?: unknown }> };
  assert.deepEqual(schema.properties.hidden?.default, [500], "JSON Schema carries defaults for the studio's forms");
});

test(
  "--max-steps: the checkpoint it leaves is read by eval, " + "sample and resume; config keeps one source of truth",
  async () => {
    const out = path.join(tmp("steps"), "run");
    const r = await app.fit({ model: "made", config: JSON.stringify(tiny), out, maxSteps: 3 });
    assert.equal(r.status, "paused");
    assert.equal(r.steps, 3);
    assert.equal(storagePoolBytes(), 0, "fit empties the pool of released gradients when training stops");
    const config = JSON.parse(readFileSync(path.join(out, "config.json"), "utf8"));
    assert.deepEqual(config.options.hidden, [8]);
    assert.equal("options" in config.training, false, "the options used live in one place");
    const e = app.evaluate(out, { split: "valid" });
    assert.ok(e.nll_nats > 100 && e.nll_nats < 600, `valid NLL ${e.nll_nats} after 3 steps`);
    const s = app.sample(out, { n: 3, seed: 1 });
    assert.equal(s.values.length, 3 * 784);
    assert.ok(s.values.every((v) => v === 0 || v === 1));
    const rest = await app.fit({ model: "made", out, resume: true });
    assert.equal(rest.status, "finished");
    assert.equal(rest.steps, 100, "one epoch of 50,000 images in batches of 500");
    assert.throws(
      () => app.sample(out, { n: 1e8 }),
      /sample: n = 100000000 is too many \(313\.6 GB\); at most \d+ per call/,
    );
  },
);

test("a run killed before it saved anything can be resumed, or restarted with the same --out", async () => {
  const out = path.join(tmp("killed"), "run");
  const notices: string[] = [];
  // killed after config.json was written, before any checkpoint: only config.json and a half-written file remain
  await app.fit({ model: "made", config: JSON.stringify(tiny), out, maxSteps: 1 });
  rmSync(path.join(out, "last.safetensors"));
  writeFileSync(path.join(out, "last.safetensors.tmp-12345"), "partial");
  const r = await app.fit({ model: "made", out, resume: true, maxSteps: 2 }, { onNotice: (n) => notices.push(n) });
  assert.equal(r.status, "paused");
  assert.match(notices.join("\n"), /saved no position yet; starting it from step 0/);
  assert.equal(existsSync(path.join(out, "last.safetensors.tmp-12345")), false, "temporary files are cleaned up");
  // a directory with config.json but no checkpoint is restarted in place without --resume
  const again = path.join(tmp("again"), "run");
  await app.fit({ model: "made", config: JSON.stringify(tiny), out: again, maxSteps: 1 });
  rmSync(path.join(again, "last.safetensors"));
  const r2 = await app.fit(
    { model: "made", config: JSON.stringify(tiny), out: again, maxSteps: 1 },
    { onNotice: (n) => notices.push(n) },
  );
  assert.equal(r2.status, "paused");
  assert.match(notices.join("\n"), /saved nothing yet; starting a new one in its place/);
});

test("config.json records the schedule's length: a left-out total spans the run, a short one is noticed", async () => {
  const notices: string[] = [];
  const run = async (schedule: object) => {
    const out = path.join(tmp("span"), "run");
    const cfg = { ...tiny, training: { ...tiny.training, epochs: 3, schedule } };
    await app.fit(
      { model: "made", config: JSON.stringify(cfg), out, maxSteps: 1 },
      { onNotice: (n) => notices.push(n) },
    );
    return JSON.parse(readFileSync(path.join(out, "config.json"), "utf8")).training.schedule;
  };
  // 3 epochs of 50,000 / 500 = 100 batches
  assert.deepEqual(await run({ kind: "cosine", minFactor: 0.1 }), { kind: "cosine", minFactor: 0.1, total: 300 });
  assert.deepEqual(notices, []);
  assert.deepEqual(await run({ kind: "cosine", total: 120 }), { kind: "cosine", total: 120 });
  assert.match(notices.join("\n"), /reaches its floor \(0 × lr\) at step 120 of 300/);
});

test("a resumed run whose last save was cut short does not duplicate metrics lines", async () => {
  const out = path.join(tmp("dup"), "run");
  const cfg = { ...tiny, training: { ...tiny.training, epochs: 2, batchSize: 5000 } };
  await app.fit({ model: "made", config: JSON.stringify(cfg), out, maxSteps: 10 }); // exactly epoch 0
  const lastAfter0 = readFileSync(path.join(out, "last.safetensors"));
  await app.fit({ model: "made", out, resume: true, maxSteps: 10 }); // epoch 1: metrics line 2 written
  // a kill while last.safetensors was being rewritten: the metrics line of epoch 1 exists, the position is epoch 0's
  writeFileSync(path.join(out, "last.safetensors"), lastAfter0);
  const r = await app.fit({ model: "made", out, resume: true });
  assert.equal(r.status, "finished");
  const epochs = readFileSync(path.join(out, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l).epoch);
  assert.deepEqual(epochs, [0, 1]);
});

test("epoch records: train loss in bits/dim for a one-phase density model, null for a two-phase one", async () => {
  const out = path.join(tmp("bits"), "run");
  const seed = Math.floor(Math.random() * 1000);
  const cfg = { ...tiny, training: { ...tiny.training, batchSize: 5000 } };
  await app.fit({ model: "made", config: JSON.stringify(cfg), out, seed }); // one epoch of 10 steps
  const [made] = readEpochRecords(out);
  // the same float64 division: 1e-12 relative
  const want = made!.train_loss / (784 * Math.LN2);
  assert.ok(Math.abs(made!.train_bits_per_dim! - want) <= 1e-12 * want, `${made!.train_bits_per_dim} vs ${want}`);
  const gan = path.join(tmp("bits-gan"), "run");
  const ganCfg = {
    options: { noiseDim: 4, generatorHidden: [16], discriminatorHidden: [16] },
    training: { ...tiny.training, batchSize: 5000 },
  };
  await app.fit({ model: "gan", config: JSON.stringify(ganCfg), out: gan, seed });
  const [g] = readEpochRecords(gan);
  assert.equal(g!.train_bits_per_dim, null, "a GAN's generator loss has no bits/dim");
});

test("a run whose validation NLL explodes stops as diverged and keeps its best checkpoint", async () => {
  const out = path.join(tmp("div"), "run");
  const cfg = { options: { hidden: [16] }, training: { ...tiny.training, epochs: 3, lr: 1e4 } };
  const r = await app.fit({ model: "made", config: JSON.stringify(cfg), out });
  assert.equal(r.status, "diverged");
  assert.match(r.reason ?? "", /far above the uniform model's|loss (NaN|Infinity)/);
  assert.equal(r.metrics, undefined, "no test figure is reported for a diverged run");
});

test("runs written by deepgen 0.1.0 still load, evaluate to their recorded number, and resume", async () => {
  for (const m of ["made", "vae"]) {
    const dir = path.join(fixtures, m);
    const recorded = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")).metrics;
    const e = app.evaluate(dir);
    // float32 sums in another order (a faster GEMM, another instruction set) move the 10th digit: relative 1e-7.
    // The VAE's figure is an IWAE-2 estimate whose normals changed since (Box–Muller for the fused estimator), so it
    // agrees within sampling noise: the split mean varies by 0.02 nats (sd over 8 seeds); 5 of them are allowed.
    const tol = m === "vae" ? 0.1 / recorded.nll_nats : 1e-7;
    const rel = Math.abs(e.nll_nats - recorded.nll_nats) / recorded.nll_nats;
    assert.ok(rel < tol, `${m}: ${e.nll_nats} vs ${recorded.nll_nats}`);
    assert.equal(e.estimator, recorded.estimator);
  }
  const copy = path.join(tmp("old"), "made");
  cpSync(path.join(fixtures, "made"), copy, { recursive: true });
  const r = await app.fit({ model: "made", out: copy, resume: true, training: { epochs: 2 }, maxSteps: 2 });
  assert.equal(r.status, "paused");
});

test("the CLI holds no model-specific code: no registered model name appears in src/cli", () => {
  const dir = path.resolve(import.meta.dirname, "../../src/cli");
  const names = models.listModels().map((s) => s.name);
  for (const f of readdirSync(dir)) {
    const text = readFileSync(path.join(dir, f), "utf8");
    for (const n of names) assert.equal(new RegExp(`\\b${n}\\b`, "i").test(text), false, `${f} names "${n}"`);
  }
});

test("reproduce reads a finished run into the table, with the published figure and the gap", async () => {
  const runs = tmp("repro");
  const done = await app.fit({
    model: "made",
    config: JSON.stringify({
      options: { hidden: [8] },
      training: { epochs: 1, batchSize: 1000, dataset: "mnist-fixed" },
    }),
    out: path.join(runs, "made-short"),
  });
  const rows = await app.reproduce({ models: ["made"], budget: "short", runs });
  assert.equal(rows.length, 1);
  const r = rows[0]!;
  assert.equal(r.nll_nats, done.metrics!.nll_nats);
  assert.equal(r.published_nll_nats, 88.4);
  assert.ok(Math.abs(r.gap_nats! - (r.nll_nats! - 88.4)) < 1e-12);
  const md = app.reproductionMarkdown(rows);
  assert.match(md, /\| made \| \d+\.\d\d \| exact \| fixed \| 88\.40 \(Germain et al\. 2015/);
  assert.match(md, /Short budget/);
  // what --queue would enqueue: only the runs not finished yet
  const plan = app.reproducePlan({ models: ["made", "nade"], budget: "short", runs });
  assert.deepEqual(
    plan.map((p) => [p.model, p.recipe, path.basename(p.out!)]),
    [["nade", "short", "nade-short"]],
  );
  // the default budget: each model's plain `deepgen train` recipe, read from <runs>/<model>-default
  cpSync(path.join(runs, "made-short"), path.join(runs, "made-default"), { recursive: true });
  const [d] = await app.reproduce({ models: ["made"], budget: "default", runs, readOnly: true });
  assert.equal(d!.nll_nats, done.metrics!.nll_nats);
  assert.equal(d!.command, `deepgen train made --out ${path.join(runs, "made-default")}`, "no --recipe flag");
  assert.match(app.reproductionMarkdown([d!]), /Default budget: each model's default recipe/);
  // read-only rows of runs without test metrics say how far they got (an epoch of 50 steps and 10 more, then paused)
  const cfg3 = { options: { hidden: [8] }, training: { epochs: 3, batchSize: 1000, dataset: "mnist-fixed" } };
  await app.fit({ model: "made", config: JSON.stringify(cfg3), out: path.join(runs, "made-full"), maxSteps: 60 });
  const valid = readEpochRecords(path.join(runs, "made-full"))[0]!.valid_nll_nats!;
  const [partial, absent] = await app.reproduce({ models: ["made", "nade"], budget: "full", runs, readOnly: true });
  const fullEpochs = models.getModelSpec("made").recipes!.full!.epochs;
  assert.equal(partial!.status, `unfinished: 1 of ${fullEpochs} epochs, best valid ${valid.toFixed(2)}`);
  assert.equal(absent!.status, "not run");
  const planDefault = app.reproducePlan({ models: ["made", "nade"], budget: "default", runs });
  assert.deepEqual(
    planDefault.map((p) => [p.model, p.recipe, path.basename(p.out!)]),
    [["nade", "default", "nade-default"]],
  );
});

test("studio scores: per-pixel conditionals of image models sum to −log p(x); none for others", async () => {
  const out = path.join(tmp("heat"), "run");
  const cfg = { options: { features: 8, blocks: 1, outputHidden: 8 }, training: { dataset: "mnist-fixed" } };
  await app.fit({ model: "pixelcnn", config: JSON.stringify(cfg), out, maxSteps: 1 });
  const g = new Generator(3);
  const image = Array.from(g.uniform01(784), (u) => (u < 0.2 ? 1 : 0));
  const s = scoreImages(out, image, { perPixel: true });
  assert.equal(s.per_pixel_nats!.length, 784);
  const sum = s.per_pixel_nats!.reduce((a, b) => a + b, 0);
  // float32 conditionals summed in float64: relative 1e-5
  assert.ok(Math.abs(sum - s.nll_nats[0]!) / s.nll_nats[0]! < 1e-5, `${sum} vs ${s.nll_nats[0]}`);
  assert.equal(scoreImages(path.join(fixtures, "made"), image, { perPixel: true }).per_pixel_nats, undefined);
});

test("--init: a new run starts from another run's weights (a VAE's for an IWAE); a mismatch is refused", async () => {
  const dir = tmp("init");
  const data = { epochs: 1, batchSize: 1000, dataset: "mnist-fixed" };
  const vae = path.join(dir, "vae"),
    iwae = path.join(dir, "iwae");
  const small = { hidden: [16], latent: 4, evalSamples: 2 };
  await app.fit({ model: "vae", config: JSON.stringify({ options: small, training: data }), out: vae, maxSteps: 5 });
  // at lr 1e-30 the IWAE's two steps move no weight by more than ~1e-29, so they stay where --init put them: the
  // VAE's after its 5 steps at 1e-3 (~1e-3 from the initialisation that the same seed gives both), to 1e-20
  const cfg = { options: { ...small, k: 3 }, training: { ...data, lr: 1e-30 } };
  const r = await app.fit({ model: "iwae", config: JSON.stringify(cfg), out: iwae, init: vae, maxSteps: 2 });
  assert.equal(r.status, "paused");
  const from = readSafetensors(path.join(vae, "last.safetensors")).tensors,
    to = readSafetensors(path.join(iwae, "last.safetensors")).tensors;
  const names = [...from.keys()].filter((k) => k.startsWith("model."));
  assert.ok(names.length >= 8, names.join(" "));
  for (const k of names) {
    const a = Array.from(from.get(k)!.data as Float32Array),
      b = Array.from(to.get(k)!.data as Float32Array);
    assert.equal(b.length, a.length, k);
    const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    assert.ok(worst <= 1e-20, `${k} is the VAE's: differs by ${worst}`);
  }
  const config = JSON.parse(readFileSync(path.join(iwae, "config.json"), "utf8"));
  assert.equal(config.init, path.resolve(vae, "last.safetensors"), "config.json names the starting weights");
  // a model whose parameters differ is refused before anything is written
  const made = path.join(dir, "made");
  await assert.rejects(app.fit({ model: "made", config: JSON.stringify(tiny), out: made, init: vae }), /vae/);
  assert.equal(existsSync(made), false);
  const none = { model: "vae", config: JSON.stringify({ options: small, training: data }), init: path.join(dir, "no") };
  await assert.rejects(app.fit({ ...none, out: path.join(dir, "x") }), /no such run directory or checkpoint/);
});
