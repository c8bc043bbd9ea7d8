/**
 * The convolutional standard configurations of the benchmark spec, built from nn layers: PixelCNN (masked
 * convolutions with residual blocks), DCGAN (one discriminator and one generator step) and PixelRNN's Row LSTM.
 * Each returns the parameters the timed Adam step updates and a loss closure, like the other step cases.
 */
import { lstmScan } from "../fused/lstm-scan/index.js";
import { bceWithLogits } from "../ops/loss.js";
import { Adam } from "../optim/adam.js";
import { Conv2d, ConvTranspose2d, MaskedConv2d } from "../nn/conv.js";
import { BatchNorm1d, BatchNorm2d } from "../nn/layers.js";
import { Linear } from "../nn/linear.js";
import { bernoulli, full, rand, randn, zeros } from "../tensor/create.js";
import type { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import type { StepCase } from "./step-case.js";

const binaryImages = (b: number, g: Generator): Tensor => bernoulli(0.13, [b, 1, 28, 28], { generator: g });

/**
 * 7×7 mask-A conv 1→64; 5 residual blocks (ReLU, 1×1 64→32, ReLU, 3×3 mask-B 32→32, ReLU, 1×1 32→64); head
 * ReLU, 1×1 64→64, ReLU, 1×1 64→1. Every ReLU sits next to a convolution and runs inside its kernel pass, and
 * each block's skip connection is added as its last convolution writes its output.
 */
export function pixelcnn(g: Generator): StepCase {
  const ch = 64,
    batch = 32,
    reluBoth = { preActivation: "relu", activation: "relu" } as const;
  const first = new MaskedConv2d("A", 1, ch, 7, { generator: g });
  const blocks = Array.from({ length: 5 }, () => [
    new Conv2d(ch, ch / 2, 1, { generator: g, ...reluBoth }),
    new MaskedConv2d("B", ch / 2, ch / 2, 3, { generator: g, activation: "relu" }),
    new Conv2d(ch / 2, ch, 1, { generator: g }),
  ]);
  const head = [new Conv2d(ch, ch, 1, { generator: g, ...reluBoth }), new Conv2d(ch, 1, 1, { generator: g })];
  const x = binaryImages(batch, g);
  const loss = (): Tensor => {
    let h = first.forward(x);
    for (const [a, m, c] of blocks) h = c!.forward(m!.forward(a!.forward(h)), h); // h + c(…), added in c's kernel
    const logits = head[1]!.forward(head[0]!.forward(h));
    return bceWithLogits(logits, x, { reduction: "sum" }).div(batch);
  };
  const params = [first, ...blocks.flat(), ...head].flatMap((m) => m.parameters());
  return { params, loss };
}

/**
 * DCGAN on 28×28: the returned loss is the generator's, after one discriminator Adam step inside the closure. Every
 * ReLU and LeakyReLU(0.2) runs inside the pass of the batch norm or convolution before it, as in dcgan.ts.
 */
export function dcgan(g: Generator): StepCase {
  const batch = 64,
    z = 100,
    relu = { activation: "relu" } as const,
    leaky = { activation: "leaky-relu", slope: 0.2 } as const;
  const fc = new Linear(z, 128 * 7 * 7, { generator: g }),
    bn0 = new BatchNorm1d(128 * 7 * 7, relu),
    up1 = new ConvTranspose2d(128, 64, 4, { stride: 2, padding: 1, generator: g }),
    bn1 = new BatchNorm2d(64, relu),
    up2 = new ConvTranspose2d(64, 1, 4, { stride: 2, padding: 1, generator: g });
  const d1 = new Conv2d(1, 64, 4, { stride: 2, padding: 1, generator: g, ...leaky }),
    d2 = new Conv2d(64, 128, 4, { stride: 2, padding: 1, generator: g }),
    bnd = new BatchNorm2d(128, leaky),
    dOut = new Linear(128 * 7 * 7, 1, { generator: g });
  const G = (noise: Tensor): Tensor => {
    const h = bn0.forward(fc.forward(noise)).reshape([batch, 128, 7, 7]);
    return up2.forward(bn1.forward(up1.forward(h)));
  };
  const D = (img: Tensor): Tensor => {
    const h = bnd.forward(d2.forward(d1.forward(img)));
    return dOut.forward(h.reshape([batch, 128 * 7 * 7]));
  };
  const dParams = [d1, d2, bnd, dOut].flatMap((m) => m.parameters());
  const optD = new Adam(dParams, { lr: 2e-4, betas: [0.5, 0.999] });
  const real = rand([batch, 1, 28, 28], { generator: g }),
    ones = full([batch, 1], 1),
    zerosT = zeros([batch, 1]);
  const loss = (): Tensor => {
    const fake = G(randn([batch, z], { generator: g })).sigmoid();
    const ld = bceWithLogits(D(real), ones).add(bceWithLogits(D(fake.detach()), zerosT));
    optD.zeroGrad();
    ld.backward({ releaseActivations: true });
    optD.step();
    return bceWithLogits(D(fake), ones);
  };
  return { params: [fc, bn0, up1, bn1, up2].flatMap((m) => m.parameters()), loss };
}

/**
 * Row LSTM (van den Oord et al. 2016): 7×7 mask-A conv 1→64; input-to-state 1×3 mask-B conv 64→128 over the whole
 * image at once (its live taps are the left neighbour and the pixel), state-to-state 1×3 conv 32→128 row by row
 * inside the fused recurrence (src/fused/lstm-scan: the rows in one forward and one backward kernel call); head
 * ReLU, 1×1 32→32, ReLU, 1×1 32→1.
 */
export function rowlstm(g: Generator): StepCase {
  const hd = 32,
    batch = 16;
  const first = new MaskedConv2d("A", 1, 2 * hd, 7, { generator: g });
  const i2s = new MaskedConv2d("B", 2 * hd, 4 * hd, [1, 3], { generator: g });
  const s2s = new Conv2d(hd, 4 * hd, [1, 3], { padding: [0, 1], generator: g });
  const head = [new Conv2d(hd, 32, 1, { generator: g }), new Conv2d(32, 1, 1, { generator: g })];
  const x = binaryImages(batch, g);
  const loss = (): Tensor => {
    // the state-to-state conv's bias joins the input gates; its weight [4h, h, 1, 3] reads columns j − 1, j, j + 1
    const gatesIn = i2s.forward(first.forward(x)).add(s2s.bias!.reshape(1, 4 * hd, 1, 1)); // [B, 4h, rows, cols]
    const hs = lstmScan(gatesIn, s2s.weight.reshape(4 * hd, hd, 3), [-1, 0, 1], "NCTS"); // [B, h, rows, cols]
    const logits = head[1]!.forward(head[0]!.forward(hs.relu()).relu());
    return bceWithLogits(logits, x, { reduction: "sum" }).div(batch);
  };
  const params = [first, i2s, s2s, ...head].flatMap((m) => m.parameters());
  return { params, loss };
}
