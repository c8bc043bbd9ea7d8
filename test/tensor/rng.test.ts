/** The Philox generator: known answers, determinism, splitting, and the moments of each distribution. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, randn, rand, bernoulli, categorical, randperm, tensor, manualSeed } from "../../src/index.js";
import { philox } from "../../src/tensor/rng.js";

test("Philox4x32-10 matches the Random123 known-answer vectors", () => {
  const o = new Uint32Array(4);
  const kat: Array<[number[], number[], number[]]> = [
    [
      [0, 0, 0, 0],
      [0, 0],
      [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ],
  ];
  for (const [c, k, want] of kat) {
    philox(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, o);
    assert.deepEqual([...o], want);
  }
});

test("same seed, same stream; state save/restore resumes exactly", () => {
  const a = new Generator(42),
    b = new Generator(42);
  assert.deepEqual(randn([7], { generator: a }).toArray(), randn([7], { generator: b }).toArray());
  const s = a.getState();
  const next = a.uniform01(9);
  const c = new Generator(0);
  c.setState(s);
  assert.deepEqual([...c.uniform01(9)], [...next]);
  assert.notDeepEqual([...new Generator(43).uniform01(5)], [...new Generator(42).uniform01(5)]);
});

test("split gives independent streams and leaves the parent's position alone", () => {
  const g = new Generator(7),
    h = new Generator(7);
  const [c1, c2] = g.split(2);
  assert.deepEqual([...g.uniform01(4)], [...h.uniform01(4)], "parent stream unchanged by split");
  const x = c1!.normal01(20000),
    y = c2!.normal01(20000);
  let sxy = 0;
  for (let i = 0; i < x.length; i++) sxy += x[i]! * y[i]!;
  assert.ok(Math.abs(sxy / x.length) < 0.03, `children uncorrelated: mean product ${sxy / x.length}`);
  const again = new Generator(7).split(2);
  assert.deepEqual(
    [...again[0]!.uniform01(3)],
    [...new Generator(7).split(1)[0]!.uniform01(3)],
    "split is deterministic",
  );
});

test("uniform, normal, Bernoulli moments within 5 standard errors (n = 100,000)", () => {
  const n = 100000,
    se = (sd: number) => (5 * sd) / Math.sqrt(n);
  const g = new Generator(11);
  const u = rand([n], { generator: g, low: -1, high: 3 }).toArray();
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const vr = (v: number[]) => {
    const m = mean(v);
    return mean(v.map((x) => (x - m) ** 2));
  };
  assert.ok(Math.abs(mean(u) - 1) < se(4 / Math.sqrt(12)), `uniform mean ${mean(u)}`);
  assert.ok(u.every((x) => x >= -1 && x < 3));
  const z = randn([n], { generator: g, mean: 2, std: 0.5 }).toArray();
  assert.ok(Math.abs(mean(z) - 2) < se(0.5), `normal mean ${mean(z)}`);
  assert.ok(Math.abs(vr(z) - 0.25) < 5 * 0.25 * Math.sqrt(2 / n), `normal variance ${vr(z)}`);
  const b = bernoulli(0.3, [n], { generator: g }).toArray();
  assert.ok(Math.abs(mean(b) - 0.3) < se(Math.sqrt(0.21)), `bernoulli mean ${mean(b)}`);
  const bp = bernoulli(tensor([0, 1, 0.5]), undefined, { generator: g }).toArray();
  assert.equal(bp[0], 0);
  assert.equal(bp[1], 1);
});

test("bernoulli draws u < p for uniform01's u over several chunks, leaving the stream where uniform01 does", () => {
  // sizes around the 65,536-draw chunks (and not whole blocks of 4), scalar and per-element probabilities with 0 and 1
  for (const n of [5, 65536, 65539, 131075]) {
    const probs = new Float64Array(n).map((_, i) => (i % 7 === 0 ? 0 : i % 11 === 0 ? 1 : ((i * 0.618034) % 1) * 0.98));
    for (const p of [0.3, 1 / 3, tensor(probs, [n], { dtype: "float64" })]) {
      const a = new Generator(n),
        b = new Generator(n);
      const got = bernoulli(p, [n], { generator: a }).toArray(),
        u = b.uniform01(n);
      for (let i = 0; i < n; i++) {
        const want = u[i]! < (typeof p === "number" ? p : probs[i]!) ? 1 : 0;
        if (got[i] !== want) assert.fail(`n ${n}, p ${typeof p === "number" ? p : "tensor"}: draw ${i} is ${got[i]}`);
      }
      assert.deepEqual(a.uniform01(4), b.uniform01(4), "the stream continues at the same place");
    }
  }
  assert.throws(() => bernoulli(1.5, [2]), /outside \[0, 1\]/);
  assert.throws(() => bernoulli(tensor([0.5, -0.1]), undefined), /probability -0\.1\d* at 1/);
});

test("categorical frequencies match softmax(logits); permutations are permutations", () => {
  const g = new Generator(5);
  const logits = tensor([Math.log(0.2), Math.log(0.5), Math.log(0.3)])
    .reshape(1, 3)
    .expand(30000, 3);
  const draws = categorical(logits, { generator: g });
  const freq = [0, 0, 0];
  draws.forEach((k) => freq[k]!++);
  [0.2, 0.5, 0.3].forEach((p, k) =>
    assert.ok(
      Math.abs(freq[k]! / 30000 - p) < 5 * Math.sqrt((p * (1 - p)) / 30000),
      `class ${k}: ${freq[k]! / 30000} vs ${p}`,
    ),
  );
  const p = randperm(1000, { generator: g });
  assert.deepEqual(
    [...p].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  manualSeed(9);
  const a = randn([3]).toArray();
  manualSeed(9);
  assert.deepEqual(randn([3]).toArray(), a, "manualSeed resets the default generator");
});
