/**
 * `deepgen demo`: an engine smoke demo. Fits a fully visible sigmoid belief net (logistic autoregression) to 4×4
 * "bars" images, checks that its probabilities over all 2¹⁶ images sum to 1, and prints samples — every step runs
 * through the tensor engine (autograd, Adam, native kernels).
 */
import type { Command } from "commander";
import { bceWithLogits } from "../ops/loss.js";
import { MaskedLinear } from "../nn/linear.js";
import { Adam } from "../optim/adam.js";
import { noGrad } from "../autograd/tape.js";
import { getBackend } from "../backend/registry.js";
import { tensor } from "../tensor/create.js";
import { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { parsePositiveInt } from "./options.js";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getNumThreads } from "../backend/registry.js";
import { writeImageGrid } from "../data/png.js";
import { evaluateNll } from "../eval/likelihood.js";
import { loadWeights } from "../train/checkpoint.js";
import { Trainer } from "../train/trainer.js";
import { prepareRun } from "./run-setup.js";

const S = 4,
  D = S * S;

/** Bars: all-rows or all-columns orientation (p = 1/2), each bar on with probability 1/2. */
function bars(n: number, g: Generator): Float32Array {
  const u = g.uniform01(n * (S + 1)),
    out = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const vertical = u[i * (S + 1)]! < 0.5;
    for (let b = 0; b < S; b++) {
      if (u[i * (S + 1) + 1 + b]! >= 0.5) continue;
      for (let k = 0; k < S; k++) out[i * D + (vertical ? k * S + b : b * S + k)] = 1;
    }
  }
  return out;
}

/** Entropy of the bars distribution in nats, by enumerating its images (empty and full ones arise both ways). */
function barsEntropy(): number {
  const p = new Map<number, number>();
  for (const vertical of [false, true])
    for (let on = 0; on < 2 ** S; on++) {
      let img = 0;
      for (let b = 0; b < S; b++)
        if ((on >> b) & 1) for (let k = 0; k < S; k++) img |= 1 << (vertical ? k * S + b : b * S + k);
      p.set(img, (p.get(img) ?? 0) + 0.5 * 2 ** -S);
    }
  return -[...p.values()].reduce((h, q) => h + q * Math.log(q), 0);
}

function logProb(model: MaskedLinear, x: Tensor): Tensor {
  return bceWithLogits(model.forward(x), x, { reduction: "none" }).sum(1).neg();
}

function barsDemo(steps: number, seed: number): void {
  const t0 = Date.now();
  const g = new Generator(seed);
  const mask = tensor(
    Array.from({ length: D * D }, (_, k) => (Math.floor(k / D) > k % D ? 1 : 0)),
    [D, D],
  );
  const model = new MaskedLinear(D, D, mask, { generator: g });
  const opt = new Adam(model.parameters(), { lr: 0.05 });
  const test = tensor(bars(2000, g), [2000, D]);
  console.log(
    `backend ${getBackend().name}; fitting p(x) = Π σ(b_i + Σ_{j<i} W_ij x_j) to 4×4 bars (${steps} Adam steps, batch 256)`,
  );
  for (let step = 1; step <= steps; step++) {
    const x = tensor(bars(256, g), [256, D]);
    const nll = logProb(model, x).mean().neg();
    opt.zeroGrad();
    nll.backward();
    opt.step();
    if (step % 100 === 0 || step === 1)
      console.log(`step ${String(step).padStart(4)}  train NLL ${nll.item().toFixed(4)} nats`);
  }
  noGrad(() => {
    const all = tensor(
      Array.from({ length: 2 ** D * D }, (_, k) => (Math.floor(k / D) >> (k % D)) & 1),
      [2 ** D, D],
    );
    const total = logProb(model, all).logSumExp().exp().item();
    const testNll = logProb(model, test).mean().neg().item();
    console.log(
      `test NLL ${testNll.toFixed(4)} nats (exact; data entropy ${barsEntropy().toFixed(4)} nats, so the gap is the model's KL)`,
    );
    console.log(`Σ p(x) over all 2^16 images = ${total.toFixed(6)}`);
    const samples: number[][] = [];
    for (let s = 0; s < 6; s++) {
      const x = new Float32Array(D);
      for (let i = 0; i < D; i++) {
        const logits = model.forward(tensor(x, [1, D])).toArray();
        x[i] = g.uniform01(1)[0]! < 1 / (1 + Math.exp(-logits[i]!)) ? 1 : 0;
      }
      samples.push([...x]);
    }
    console.log("samples:");
    for (let r = 0; r < S; r++)
      console.log(
        "  " +
          samples
            .map((x) =>
              x
                .slice(r * S, r * S + S)
                .map((v) => (v ? "█" : "·"))
                .join(""),
            )
            .join("   "),
      );
  });
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** MADE on offline binarized MNIST: about a minute on 2 cores, then test NLL and a grid of samples. */
async function mnistDemo(epochs: number, seed: number, out: string): Promise<void> {
  const t0 = Date.now();
  const runDir = mkdtempSync(path.join(os.tmpdir(), "deepgen-demo-"));
  console.log(
    `backend ${getBackend().name}, ${getNumThreads()} threads. Training MADE (784-500-784) on MNIST binarized once with a fixed seed (offline), ${epochs} epochs.`,
  );
  const run = prepareRun("made", {
    data: "mnist-fixed",
    epochs,
    seed,
    out: runDir,
    options: { hidden: [500] },
    config: undefined,
  });
  const trainer = new Trainer({
    model: run.model,
    dataset: run.dataset,
    runDir,
    training: run.config.training,
    seed,
    progress: false,
    onMetrics: (m) =>
      console.log(
        `epoch ${m.epoch}: train ${Number(m.train_loss).toFixed(2)} nats, valid ${Number(m.valid_nll_nats).toFixed(2)} nats (exact)  [${Number(m.seconds).toFixed(0)} s]`,
      ),
  });
  const s = await trainer.run();
  if (s.status === "interrupted") {
    process.exitCode = 130;
    return;
  }
  loadWeights(path.join(runDir, "best.safetensors"), run.model);
  const test = evaluateNll(run.model, run.dataset.split("test"), { seed });
  console.log(
    `test NLL ${test.nll_nats.toFixed(2)} nats = ${test.bits_per_dim.toFixed(4)} bits/dim (exact; 10,000 test images, fixed binarization)`,
  );
  const x = run.model.sample(64, new Generator(seed));
  writeImageGrid(out, x.toArray(), 64, [1, 28, 28], { scale: 2 });
  console.log(`wrote 64 samples to ${out}; run directory ${runDir} (try: deepgen sample ${runDir} --out more.png)`);
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

export function demoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "mnist (default): train MADE on offline MNIST for about a minute, print test NLL, write samples; bars: a 1-second engine demo with exact normalisation",
    )
    .argument("[which]", "mnist or bars", "mnist")
    .option("--epochs <n>", "epochs of the MNIST demo", parsePositiveInt, 12)
    .option("--steps <n>", "Adam steps of the bars demo", parsePositiveInt, 1000)
    .option("--seed <s>", "random seed", parsePositiveInt, 1)
    .option("--out <file>", "where the MNIST demo writes its samples", "demo-samples.png")
    .action(async (which: string, o: { epochs: number; steps: number; seed: number; out: string }) => {
      if (which === "bars") barsDemo(o.steps, o.seed);
      else if (which === "mnist") await mnistDemo(o.epochs, o.seed, o.out);
      else throw new Error(`unknown demo "${which}"; use mnist or bars`);
    });
}
