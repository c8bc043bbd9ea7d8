/**
 * A training that fails marks its run failed in the run directory: status.json with the reason, beside the checkpoint
 * saved before the failure (kept), and the runs list says so — from the live job and from the files alone.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { clearRunFailure, listRuns, STATUS_FILE } from "../../src/app/runs-index.js";
import { call, readEvents, tempStudio, type Json } from "./helpers.js";

let studio: Awaited<ReturnType<typeof tempStudio>>;
before(async () => {
  studio = await tempStudio();
});
after(async () => {
  await studio.close();
});

test("a run whose loss becomes non-finite is marked failed; its last checkpoint stays", async () => {
  // one sane epoch (20 steps of 2500 images at lr 0.05), then a step schedule multiplies the rate by 1e30: plain SGD
  // throws the weights past float32's range and the loss of the next step is no longer finite
  const started = await call(studio.url, "POST", "/train", {
    model: "made",
    dataset: "mnist-fixed",
    options: { hidden: [16] },
    training: {
      epochs: 3,
      batchSize: 2500,
      lr: 0.05,
      optimizer: "sgd",
      schedule: { kind: "step", every: 20, gamma: 1e30 },
    },
    seed: 5,
    name: "blows-up",
  });
  assert.equal(started.status, 202);
  const events = await readEvents(studio.url, "blows-up");
  const states = events.filter((e) => e.event === "state").map((e) => e.data.state);
  assert.equal(states.at(-1), "failed", `states: ${states.join(", ")}`);
  const error = events.find((e) => e.event === "error")?.data.message as string;
  assert.match(error, /training diverged at epoch 1, step 21 .*loss (NaN|-?Infinity)/);

  const runDir = path.join(studio.runsDir, "blows-up");
  const status = JSON.parse(readFileSync(path.join(runDir, STATUS_FILE), "utf8"));
  assert.equal(status.status, "failed");
  assert.equal(status.error, error);
  assert.ok(existsSync(path.join(runDir, "last.safetensors")), "the checkpoint of epoch 1 is kept");

  const listed = (await call<Json[]>(studio.url, "GET", "/runs")).body.find((r: Json) => r.id === "blows-up");
  assert.equal(listed.status, "failed");
  assert.equal(listed.job.state, "failed");
  assert.equal(listed.error, error);
  assert.equal(listed.epochs, 1, "the epoch finished before the failure is listed");
  // what a restarted studio sees: the files alone
  assert.equal(listRuns(studio.runsDir).find((r) => r.id === "blows-up")?.status, "failed");
  clearRunFailure(runDir);
  assert.equal(listRuns(studio.runsDir).find((r) => r.id === "blows-up")?.status, "stopped");
});
