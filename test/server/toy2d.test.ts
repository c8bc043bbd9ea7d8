/**
 * The 2-D playground: the autoregressive mixture learns a known density (it integrates to 1 and its NLL approaches
 * the data's entropy), and the GAN's two-phase training streams over HTTP with samples and a discriminator field.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { trainToy, TOY_RANGE, type ToySnapshot } from "../../src/app/toy2d.js";
import { toyData } from "../../src/models/toy2d/data.js";
import { Generator } from "../../src/tensor/rng.js";
import { tempStudio } from "./helpers.js";

test("the autoregressive mixture density integrates to 1 over the plane and nears the mixture's entropy", async () => {
  let last: ToySnapshot | undefined;
  const r = await trainToy({ data: "mixture", model: "ar", steps: 500, grid: 96 }, { onSnapshot: (s) => (last = s) });
  assert.equal(r.steps, 500);
  const cell = ((2 * TOY_RANGE) / 96) ** 2;
  const mass = last!.logDensity!.reduce((s, v) => s + Math.exp(v) * cell, 0);
  // midpoint rule over [-4.5, 4.5]²: the data lie within radius 3.5, so nearly all mass is on the grid (2 % tolerance)
  assert.ok(Math.abs(mass - 1) < 0.02, `∫p = ${mass}`);
  // eight well-separated Gaussians (σ = 0.2): H ≈ log 8 + log(2πe·0.04) = 1.70 nats; a short fit lands above it
  const H = Math.log(8) + Math.log(2 * Math.PI * Math.E * 0.04);
  assert.ok(last!.losses.nll! > H - 0.15 && last!.losses.nll! < H + 0.6, `training NLL ${last!.losses.nll} vs H ${H}`);
  assert.equal(last!.estimator, "exact");
  assert.equal(last!.samples!.length, 1000);
});

test("toy data: every kind lies in the plotted square and differs by seed", () => {
  for (const name of ["rings", "mixture", "spirals"]) {
    const a = toyData(name, 500, new Generator(1)),
      b = toyData(name, 500, new Generator(2));
    assert.ok(
      a.every((v) => Math.abs(v) < TOY_RANGE),
      name,
    );
    assert.notDeepEqual(a, b);
  }
  assert.throws(() => toyData("moons", 10, new Generator(0)), /unknown toy dataset "moons"; known: rings/);
});

let studio: Awaited<ReturnType<typeof tempStudio>>;
before(async () => {
  studio = await tempStudio();
});
after(async () => {
  await studio.close();
});

test("the GAN trains in two phases over an event stream, with samples and the discriminator's field", async () => {
  const res = await fetch(new URL("api/toy/train?data=rings&model=gan&steps=40&grid=16", studio.url));
  const text = await res.text();
  const events = text
    .split("\n\n")
    .filter((b) => b.startsWith("event:"))
    .map((b) => ({ event: /^event: (.*)$/m.exec(b)![1], data: JSON.parse(/^data: (.*)$/m.exec(b)![1]!) }));
  const start = events.find((e) => e.event === "start")!.data;
  assert.deepEqual(start.phases, ["discriminator", "generator"]);
  assert.deepEqual(start.capabilities, ["sampler", "trainable"]);
  const snaps = events.filter((e) => e.event === "snapshot").map((e) => e.data);
  assert.equal(snaps.length, 20);
  const s = snaps.at(-1)!;
  assert.equal(s.step, 40);
  assert.ok(Number.isFinite(s.losses.discriminator) && Number.isFinite(s.losses.generator));
  assert.equal(s.discriminator.length, 256);
  assert.ok(s.discriminator.every((p: number) => p > 0 && p < 1));
  assert.equal(s.samples.length, 1000);
  assert.equal(s.logDensity, undefined, "a GAN has no density");
  assert.equal(events.at(-1)!.event, "done");
  const bad = await fetch(new URL("api/toy/train?model=flow", studio.url));
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /unknown toy model "flow"; known: ar, vae, gan/);
});
