/** The bounded step history: newest points kept in step order, a resumed earlier step replaces what followed it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { StepHistory, type StepPoint } from "../../src/server/step-points.js";
import { Generator } from "../../src/tensor/rng.js";

/** Points for steps from..to with random losses, rates and (optionally missing) bits/dim. */
function points(g: Generator, from: number, to: number, withBits = true): StepPoint[] {
  const u = g.uniform01(3 * (to - from + 1));
  return Array.from({ length: to - from + 1 }, (_, i) => ({
    step: from + i,
    loss: 50 + 500 * u[3 * i]!,
    ...(withBits ? { bits_per_dim: u[3 * i + 1]! } : {}),
    lr: u[3 * i + 2]! / 100,
    seconds: (from + i) / 10,
  }));
}
const all = (h: StepHistory): StepPoint[] => [...h.chunks()].flat();

test("keeps every point until full, then the newest `capacity` ones, in order; values round-trip exactly", () => {
  const g = new Generator(11);
  // a capacity that is not a power of two, so the ring's growth stops at it and wraps
  const h = new StepHistory(1500);
  const first = points(g, 1, 1200);
  h.push(first.slice(0, 700));
  h.push(first.slice(700));
  assert.deepEqual(all(h), first, "below capacity: everything, as pushed (float64 storage: exact)");
  const more = points(g, 1201, 2000, false);
  for (let i = 0; i < more.length; i += 37) h.push(more.slice(i, i + 37));
  assert.equal(h.size, 1500);
  assert.deepEqual(all(h), [...first, ...more].slice(500), "absent bits/dim stays absent");
  assert.deepEqual(
    [...h.chunks(400)].map((c) => c.length),
    [400, 400, 400, 300],
  );
});

test("a point at or before the last kept one (a resume from an earlier checkpoint) drops the points after it", () => {
  const g = new Generator(12);
  const h = new StepHistory(100);
  const a = points(g, 1, 80);
  h.push(a);
  // the ring has wrapped once this continues past 100 points
  const b = points(g, 61, 130);
  h.push(b);
  assert.deepEqual(all(h), [...a.slice(0, 60), ...b].slice(-100));
  assert.equal(h.lastStep, 130);
  // a fresh run under the same name starts at step 1 again: nothing of the old one is kept
  const c = points(g, 1, 5);
  h.push(c);
  assert.deepEqual(all(h), c);
});
