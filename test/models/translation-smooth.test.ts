/**
 * CycleGAN's options for smooth translations: the generators' resize-conv up-path (nearest upsampling, then a 3 × 3
 * conv) and the binomial blur on the cycle's way back; the Cycle VAE's blur before re-encoding.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, randn, tensor, type Tensor } from "../../src/index.js";
import { CycleGAN, options as cycleganOptions } from "../../src/models/translation/cyclegan.js";
import { CycleVAE, options as cycleVaeOptions } from "../../src/models/translation/cycle-vae.js";
import { binomialBlur, ConvTranslator, instanceNorm, upsampleNearest } from "../../src/models/translation/nets.js";
import { l1, lsGeneratorLoss, splitDomains } from "../../src/models/translation/translator.js";
import { Conv2d, ConvTranspose2d } from "../../src/nn/conv.js";
import { randomTensor } from "../helpers.js";

const DATA = { dim: 4 * 784, shape: [4, 28, 28] as [number, number, number] };
const images = (g: Generator, n: number, side = 28): Tensor =>
  randomTensor(g, [n, 3, side, side], { dtype: "float32", low: 0, high: 1, grad: false });

test("nearest upsampling copies each value into a 2 × 2 block, and its gradient sums the block", () => {
  const g = new Generator(1);
  const x = randomTensor(g, [2, 3, 4, 5], { dtype: "float32", low: -1, high: 1 });
  const y = upsampleNearest(x);
  assert.deepEqual(y.shape, [2, 3, 8, 10]);
  const xs = x.toArray(),
    ys = y.toArray();
  for (let p = 0; p < 6; p++)
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < 10; j++)
        assert.equal(ys[p * 80 + i * 10 + j], xs[p * 20 + Math.floor(i / 2) * 5 + Math.floor(j / 2)]);
  // weights w on the output: the gradient of Σ w·y at x[k] is the sum of w over k's block (float32 sums: 1e-5)
  const w = randomTensor(g, [2, 3, 8, 10], { dtype: "float32", low: -1, high: 1, grad: false });
  y.mul(w).sum().backward();
  const ws = w.toArray(),
    grad = x.grad!.toArray();
  for (let p = 0; p < 6; p++)
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 5; j++) {
        const at = (di: number, dj: number): number => ws[p * 80 + (2 * i + di) * 10 + 2 * j + dj]!;
        const want = at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1);
        assert.ok(Math.abs(grad[p * 20 + i * 5 + j]! - want) < 1e-5, `gradient at ${p},${i},${j}`);
      }
});

test("resize up-path: convs after nearest upsampling in place of transposed convs, same image size out", () => {
  const g = new Generator(2);
  const x = images(g, 2);
  const resize = new ConvTranslator(3, 4, 1, new Generator(3), { upsampling: "resize" });
  const transposed = new ConvTranslator(3, 4, 1, new Generator(3));
  assert.ok(resize.up1 instanceof Conv2d && resize.up2 instanceof Conv2d);
  assert.ok(transposed.up1 instanceof ConvTranspose2d && transposed.up2 instanceof ConvTranspose2d);
  // up1 8 → 4 channels and up2 4 → 3: 3 × 3 kernels (resize) against 4 × 4 ones, the same biases
  const n = (m: ConvTranslator) => m.parameters().reduce((s, p) => s + p.size, 0);
  assert.equal(n(transposed) - n(resize), (8 * 4 + 4 * 3) * (16 - 9));
  // a transposed up-path keeps the parameter names earlier checkpoints were saved with
  assert.ok(transposed.namedParameters().some(([name]) => name === "up1.weight"));
  assert.deepEqual(resize.forward(x).shape, [2, 3, 28, 28]);
  // the forward pass restated: each up layer is a plain conv applied to the upsampled grid (float32: 1e-5)
  let h = instanceNorm(resize.down2.forward(instanceNorm(resize.down1.forward(x)).relu())).relu();
  h = resize.blocks[0]!.forward(h);
  h = instanceNorm(resize.up1.forward(upsampleNearest(h))).relu();
  const want = resize.up2.forward(upsampleNearest(h)).add(resize.skip!.forward(x)).toArray();
  const got = resize.forward(x).toArray();
  assert.ok(
    got.every((v, i) => Math.abs(v - want[i]!) < 1e-5),
    "resize forward",
  );
  assert.throws(() => cycleganOptions.parse({ upsampling: "bilinear" }), /must be one of .*transposed.*resize/);
});

test("binomial blur: [1, 2, 1]/4 along rows and columns, edges repeated; flat stays flat; 0 passes is identity", () => {
  const g = new Generator(4);
  const x = images(g, 2, 9);
  assert.equal(binomialBlur(x, 0), x);
  const xs = x.toArray(),
    once = binomialBlur(x, 1).toArray();
  const at = (p: number, i: number, j: number): number =>
    xs[p * 81 + Math.min(8, Math.max(0, i)) * 9 + Math.min(8, Math.max(0, j))]!;
  const k = [0.25, 0.5, 0.25];
  // float32 sums of 9 terms: 1e-6
  for (let p = 0; p < 6; p++)
    for (const [i, j] of [
      [0, 0],
      [4, 5],
      [8, 3],
      [2, 8],
    ] as const) {
      let want = 0;
      for (let di = -1; di <= 1; di++)
        for (let dj = -1; dj <= 1; dj++) want += k[di + 1]! * k[dj + 1]! * at(p, i + di, j + dj);
      assert.ok(Math.abs(once[p * 81 + i * 9 + j]! - want) < 1e-6, `pixel ${p},${i},${j}`);
    }
  const flat = randn([1, 3, 1, 1], { generator: g }).expand([1, 3, 9, 9]).contiguous();
  const blurred = binomialBlur(flat, 3).toArray(),
    f = flat.toArray();
  assert.ok(
    blurred.every((v, i) => Math.abs(v - f[i]!) < 1e-6),
    "a flat image stays flat",
  );
  // a pixel-scale checkerboard (±1) is removed by one pass away from the border: [1, 2, 1] sums +1 −2 +1 = 0
  const checker = tensor(
    Array.from({ length: 81 }, (_, i) => ((Math.floor(i / 9) + (i % 9)) % 2 ? 1 : -1)),
    [1, 1, 9, 9],
  );
  const c = binomialBlur(checker, 1).toArray();
  for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) assert.ok(Math.abs(c[i * 9 + j]!) < 1e-6, `${i},${j}`);
});

test("cycle blur: G(a) and F(b) are blurred, then noised, on the way back only", () => {
  const o = { width: 4, discriminatorWidth: 4, blocks: 0, cycleNoise: 0.2, cycleBlur: 2, lambdaCycle: 3 };
  const m = new CycleGAN(cycleganOptions.parse(o), DATA, new Generator(5));
  const g = new Generator(6);
  const a = images(g, 2),
    b = images(g, 2);
  const fakeB = m.G(a),
    fakeA = m.F(b);
  const twin = new Generator(7);
  const back = (t: Tensor): Tensor => binomialBlur(t, 2).add(randn([...t.shape], { std: 0.2, generator: twin }));
  const want = 3 * (l1(m.F(back(fakeB)), a).item() + l1(m.G(back(fakeA)), b).item());
  const got = m.cycleTerms(a, b, fakeB, fakeA, new Generator(7)).item();
  // float32 means of a few thousand terms: 1e-5 relative
  assert.ok(Math.abs(got - want) <= 1e-5 * want, `${got} vs ${want}`);
  const sharp = new CycleGAN(cycleganOptions.parse({ ...o, cycleBlur: 0 }), DATA, new Generator(5));
  const unblurred = sharp.cycleTerms(a, b, sharp.G(a), sharp.F(b), new Generator(7)).item();
  assert.ok(Math.abs(unblurred - got) > 1e-4, "the blur changes the cycle terms");
  assert.throws(() => cycleganOptions.parse({ cycleBlur: 9 }), /cycleBlur|9|8/);
});

test("output blur: G's output is blurred wherever it is used (edges repeated), F's is not", () => {
  const o = { width: 4, discriminatorWidth: 4, blocks: 0, outputBlur: 2 };
  const m = new CycleGAN(cycleganOptions.parse(o), DATA, new Generator(9));
  const g = new Generator(10);
  const a = images(g, 2),
    b = images(g, 2);
  // one [1, 2, 1] / 4 pass along rows then columns of each 28 × 28 plane, the border values repeated, in float64
  const pass = (v: number[]): number[] => {
    const out = new Array<number>(v.length);
    const at = (p: number, i: number, j: number): number => v[p * 784 + Math.min(27, Math.max(0, i)) * 28 + j]!;
    const atT = (p: number, i: number, j: number): number => v[p * 784 + i * 28 + Math.min(27, Math.max(0, j))]!;
    const rows = v.map((_, k) => {
      const p = Math.floor(k / 784),
        i = Math.floor((k % 784) / 28),
        j = k % 28;
      return (at(p, i - 1, j) + 2 * at(p, i, j) + at(p, i + 1, j)) / 4;
    });
    v = rows;
    for (let k = 0; k < v.length; k++) {
      const p = Math.floor(k / 784),
        i = Math.floor((k % 784) / 28),
        j = k % 28;
      out[k] = (atT(p, i, j - 1) + 2 * atT(p, i, j) + atT(p, i, j + 1)) / 4;
    }
    return out;
  };
  const raw = m.genAB.forward(a).sigmoid().toArray();
  const want = pass(pass(raw));
  const got = m.G(a).toArray();
  // float32 sums of four terms, twice: 1e-6 absolute on values in (0, 1)
  for (let k = 0; k < want.length; k++) assert.ok(Math.abs(got[k]! - want[k]!) < 1e-6, `G(a)[${k}]`);
  assert.ok(
    raw.some((r, k) => Math.abs(r - want[k]!) > 1e-3),
    "the blur changes G's output",
  );
  // F is untouched, and the generators' loss uses the blurred G (adversarial term against a hand-built one)
  const f = m.F(b).toArray(),
    fRaw = m.genBA.forward(b).sigmoid().toArray();
  for (let k = 0; k < f.length; k++) assert.equal(f[k], fRaw[k]);
  const adv = lsGeneratorLoss(m.discB.forward(m.G(a))).item();
  const advSharp = lsGeneratorLoss(m.discB.forward(m.genAB.forward(a).sigmoid())).item();
  assert.ok(Math.abs(adv - advSharp) > 1e-6, "D_B sees the blurred translation");
  assert.throws(() => cycleganOptions.parse({ outputBlur: 9 }), /outputBlur|9|8/);
});

test("Cycle VAE: the translation is blurred, then noised, before re-encoding; the critic sees it sharp", () => {
  const o = { width: 4, latentChannels: 2, discriminatorWidth: 4, cycleNoise: 0.2, cycleBlur: 2, lambdaCycle: 30 };
  // an untrained decoder draws nearly flat images, which a blur hardly changes: its last layer's weights scaled by 40
  // give translations pixel-scale contrast
  const contrasty = (m: CycleVAE): CycleVAE => {
    for (const d of [m.decA, m.decB]) d.u2.weight.data.set(Array.from(d.u2.weight.data, (v) => 40 * Number(v)));
    return m;
  };
  const m = contrasty(new CycleVAE(cycleVaeOptions.parse(o), DATA, new Generator(8)));
  const x = randomTensor(new Generator(9), [2, 4 * 784], { dtype: "float32", low: 0, high: 1, grad: false });
  const { a, b } = splitDomains(x, DATA);
  // the VAE phase restated (default λ_rec 10, λ_kl 0.01, λ_adv 1), drawing from a twin generator in the model's
  // order: z, the cycle noise, z'
  const twin = new Generator(10);
  const eps = (t: Tensor, std: number): Tensor => randn([...t.shape], { std, generator: twin });
  const kl = (mu: Tensor): number => 0.5 * 0.01 * mu.square().mean().item();
  const direction = (img: Tensor, from: "a" | "b", to: "a" | "b"): number => {
    const mu = m.encode(img, from);
    const z = mu.add(eps(mu, 1));
    const translated = m.decode(z, to);
    const smooth = binomialBlur(translated, 2);
    const back = m.encode(smooth.add(eps(smooth, 0.2)), to);
    const cycle = l1(m.decode(back.add(eps(back, 1)), from), img).item();
    const adversarial = lsGeneratorLoss((to === "b" ? m.discB : m.discA).forward(translated)).item();
    return 10 * l1(m.decode(z, from), img).item() + kl(mu) + 30 * cycle + kl(back) + adversarial;
  };
  const want = direction(a, "a", "b") + direction(b, "b", "a");
  const vae = (model: CycleVAE): number =>
    model
      .trainingPhases()
      .find((p) => p.name === "vae")!
      .loss(x, { generator: new Generator(10), step: 0, epoch: 0 })
      .item();
  const got = vae(m);
  // float32 means of a few thousand terms, summed in other orders: 1e-5 relative
  assert.ok(Math.abs(got - want) <= 1e-5 * want, `${got} vs ${want}`);
  // the same weights without the blur: the loss moves by over 10× the tolerance above
  const sharp = contrasty(new CycleVAE(cycleVaeOptions.parse({ ...o, cycleBlur: 0 }), DATA, new Generator(8)));
  assert.ok(Math.abs(vae(sharp) - got) > 1e-4 * got, `the blur changes the VAE phase's loss: ${vae(sharp)} vs ${got}`);
  assert.throws(() => cycleVaeOptions.parse({ cycleBlur: 9 }), /cycleBlur|9|8/);
});
