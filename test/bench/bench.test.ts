/**
 * The benchmark cases run and report what they claim (no timing assertions: speed lives in the benchmarks).
 * The convolutional step cases are checked for wiring: a finite loss and a gradient on every parameter.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { stepCases } from "../../src/bench/step-cases.js";
import { benchConv, convLayers } from "../../src/bench/conv.js";
import { benchMemory } from "../../src/bench/memory.js";
import { benchSample } from "../../src/bench/run.js";
import { Generator } from "../../src/index.js";

for (const name of ["pixelcnn", "dcgan", "rowlstm"]) {
  test(`step case ${name}: finite loss, every parameter gets a non-zero gradient`, () => {
    const c = stepCases[name]!(new Generator(1));
    const loss = c.loss();
    assert.ok(Number.isFinite(loss.item()), `${name} loss ${loss.item()}`);
    loss.backward();
    c.params.forEach((p, i) => {
      assert.ok(p.grad, `${name}: parameter ${i} ${JSON.stringify(p.shape)} has no gradient`);
      assert.ok(
        p.grad.toArray().some((v) => v !== 0),
        `${name}: parameter ${i} has an all-zero gradient`,
      );
    });
  });
}

test("bench conv: every peer layer name, masked layers report their live taps", () => {
  assert.deepEqual(
    convLayers.map((l) => l.name),
    [
      "pixelcnn_maskA_7x7",
      "pixelcnn_maskB_3x3",
      "pixelcnn_1x1",
      "dcgan_D_conv1",
      "dcgan_D_conv2",
      "dcgan_G_convT1",
      "dcgan_G_convT2",
      "rowlstm_1x3",
    ],
  );
  const [r] = benchConv(1, 1, ["pixelcnn_maskB_3x3"]);
  assert.equal(r!.taps, "5 of 9");
  assert.ok(r!.ms > 0 && r!.cpu_ms >= 0);
});

test("bench memory: allocation per step and heap samples from warm-up to the last step", () => {
  const r = benchMemory("vae", 1, 4);
  // one VAE step allocates at least its 100x784 logits and their gradient
  assert.ok(r.bytes_allocated_per_step > 2 * 100 * 784 * 4, `${r.bytes_allocated_per_step} bytes`);
  assert.ok(r.peak_rss_mb > 0);
  assert.equal(r.heap_mb_samples.length, 5); // after warm-up, then every step of a 4-step run
  // growth over the run, scaled to 1,000 steps
  assert.equal(r.heap_growth_mb_1000_steps, +((r.heap_mb_samples[4]! - r.heap_mb_samples[0]!) * 250).toFixed(2));
});

test("bench sample: the pixel cases report the cached sampler in the benchmark spec's JSON fields", () => {
  const r = benchSample("rowlstm", 2, 1, { naive: false });
  assert.equal(r.model, "rowlstm");
  assert.equal(r.n, 2);
  assert.ok("seconds" in r && r.seconds > 0 && r.cpu_seconds >= 0, JSON.stringify(r));
  assert.throws(() => benchSample("no-such-model"), /unknown model "no-such-model"/);
});
