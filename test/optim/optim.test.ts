/** Optimizers against hand-computed steps, schedules, clipping, state round trip. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, Adam, AdamW, Generator, SGD, RMSprop, clipGradNorm, schedules } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { Tensor } from "../../src/tensor/tensor-data.js";

const tol = { atol: 1e-6, rtol: 1e-5 };
const param = (v: number[]) => tensor(v).requireGrad();
const setGrad = (p: Tensor, g: number[]) => {
  p.grad = tensor(g);
};

test("SGD with momentum and Nesterov matches hand-computed steps", () => {
  const p = param([1, -2]);
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
  setGrad(p, [0.5, -1]);
  opt.step(); // buf = g; p = p − 0.1·g
  assertClose(p.toArray(), [0.95, -1.9], tol, "step 1");
  setGrad(p, [1, 1]);
  opt.step(); // buf = 0.9·[0.5,−1] + [1,1] = [1.45, 0.1]
  assertClose(p.toArray(), [0.95 - 0.145, -1.9 - 0.01], tol, "step 2");
  const q = param([1]);
  const nes = new SGD([q], { lr: 0.1, momentum: 0.5, nesterov: true });
  setGrad(q, [2]);
  nes.step(); // buf = 2; d = 2 + 0.5·2 = 3
  assertClose(q.toArray(), [0.7], tol, "nesterov");
});

test("Adam's first two steps match the formula; AdamW decays the weights directly", () => {
  const p = param([1, -1]);
  const opt = new Adam([p], { lr: 0.01 });
  setGrad(p, [0.2, -3]);
  opt.step();
  // t=1: m̂ = g, v̂ = g² → step = lr·g/(|g| + eps) = ±lr
  assertClose(p.toArray(), [0.99, -0.99], tol, "step 1");
  setGrad(p, [0.1, 1]);
  opt.step();
  const m = [0.9 * 0.02 + 0.1 * 0.1, 0.9 * -0.3 + 0.1 * 1],
    v = [0.999 * 0.00004 + 0.001 * 0.01, 0.999 * 0.009 + 0.001 * 1];
  const want = [0, 1].map(
    (i) => [0.99, -0.99][i]! - (0.01 * m[i]!) / (1 - 0.81) / (Math.sqrt(v[i]! / (1 - 0.998001)) + 1e-8),
  );
  assertClose(p.toArray(), want, tol, "step 2");
  const w = param([2]);
  const aw = new AdamW([w], { lr: 0.1, weightDecay: 0.5 });
  setGrad(w, [1]);
  aw.step(); // p ← p(1 − lr·wd) − lr·sign(g)
  assertClose(w.toArray(), [2 * (1 - 0.05) - 0.1], tol, "AdamW");
});

test("RMSprop matches the formula", () => {
  const p = param([1]);
  const opt = new RMSprop([p], { lr: 0.01, alpha: 0.9 });
  setGrad(p, [2]);
  opt.step(); // v = 0.1·4 = 0.4
  assertClose(p.toArray(), [1 - (0.01 * 2) / (Math.sqrt(0.4) + 1e-8)], tol, "rmsprop");
});

test("optimizer state round-trips: a restored optimizer continues identically", () => {
  const a = param([0.5, 0.25]),
    b = param([0.5, 0.25]);
  const oa = new Adam([a], { lr: 0.05 }),
    ob = new Adam([b], { lr: 0.05 });
  setGrad(a, [1, -2]);
  oa.step();
  ob.loadStateDict(structuredClone(oa.stateDict()));
  b.data.set(a.data);
  setGrad(a, [0.3, 0.7]);
  oa.step();
  setGrad(b, [0.3, 0.7]);
  ob.step();
  assert.deepEqual(b.toArray(), a.toArray());
  assert.throws(
    () => new SGD([param([1])], { lr: 0.1 }).loadStateDict(oa.stateDict()),
    /Adam optimizer cannot load into SGD/,
  );
});

test("schedules and gradient-norm clipping", () => {
  assert.equal(schedules.stepDecay(10, 0.5)(25), 0.25);
  assertClose([schedules.cosine(100)(50)], [0.5], tol, "cosine midpoint");
  assert.equal(schedules.cosine(100, 0.1)(200), 0.1);
  assert.equal(schedules.warmup(4)(1), 0.5);
  assertClose([schedules.warmup(10, schedules.exponential(0.9))(12)], [0.81], tol, "warm-up then decay");
  // linear decay: full rate for 60 of 100 steps, then a line to 0.1 at step 100 (0.55 at step 80), then flat
  const lin = schedules.makeSchedule({ kind: "linear-decay", total: 100, holdSteps: 60, minFactor: 0.1 });
  assertClose([lin(0), lin(59), lin(60), lin(80), lin(100), lin(500)], [1, 1, 1, 0.55, 0.1, 0.1], tol, "linear decay");
  assertClose([schedules.linearDecay(10)(4), schedules.linearDecay(10)(8)], [1, 0.4], tol, "hold half by default");
  // a spanning schedule without a total spans the run; with a shorter total it is kept and a notice says so
  const run = schedules.forRun({ kind: "linear-decay" }, 12500);
  assert.deepEqual(run.spec, { kind: "linear-decay", total: 12500 });
  assert.equal(run.notice, undefined);
  const spanned = schedules.makeSchedule(run.spec);
  assertClose([spanned(6249), spanned(9375), spanned(12500)], [1, 0.5, 0], tol, "decay over the run's second half");
  const short = schedules.forRun({ kind: "cosine", total: 3000, minFactor: 0.02 }, 6000);
  assert.equal(short.spec.total, 3000);
  assert.match(short.notice!, /floor \(0\.02 × lr\) at step 3000 of 6000/);
  assert.equal(schedules.forRun({ kind: "cosine", total: 6000 }, 6000).notice, undefined);
  assert.deepEqual(schedules.forRun({ kind: "step", every: 5 }, 100).spec, { kind: "step", every: 5 });
  const p = param([0, 0]),
    q = param([0]);
  setGrad(p, [3, 0]);
  setGrad(q, [4]);
  const norm = clipGradNorm([p, q], 1);
  assertClose([norm], [5], tol, "norm before clipping");
  assertClose(
    [...p.grad!.toArray(), ...q.grad!.toArray()],
    [0.6, 0, 0.8],
    { atol: 1e-5, rtol: 1e-5 },
    "clipped to norm 1",
  );
  setGrad(q, [0.1]);
  p.grad = null;
  clipGradNorm([p, q], 1);
  assertClose(q.grad!.toArray(), [0.1], tol, "below the limit: unchanged");
  // random gradients as a transposed view and as every other value of a storage twice its size: the norm counts
  // the elements of each view, not its storage
  const g = new Generator(5);
  const a = Array.from(g.normal01(12), Math.fround),
    b = Array.from(g.normal01(14), Math.fround);
  const r = param(new Array<number>(12).fill(0)),
    s = param(new Array<number>(7).fill(0));
  r.grad = tensor(a, [3, 4]).transpose(0, 1);
  s.grad = new Tensor(Float32Array.from(b), [7], [2]);
  assert.equal(r.grad.isContiguous(), false);
  const want = Math.hypot(...a, ...b.filter((_, i) => i % 2 === 0));
  assertClose([clipGradNorm([r, s], 1e9)], [want], { atol: 0, rtol: 1e-12 }, "norm over strided and broadcast views");
});
