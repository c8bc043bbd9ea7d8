/** `deepgen demo [mnist|bars]`: the demos of src/app/demos.ts, printed. */
import type { Command } from "commander";
import { barsDemo, MNIST_DEMO, mnistDemo } from "../app/index.js";
import { getBackend, getNumThreads } from "../backend/registry.js";
import { writeImageGrid } from "../data/png.js";
import { parsePositiveInt } from "./options.js";

function printBars(steps: number, seed: number): void {
  const t0 = Date.now();
  console.log(
    `backend ${getBackend().name}; fitting p(x) = Π σ(b_i + Σ_{j<i} W_ij x_j) ` +
      `to 4×4 bars (${steps} Adam steps, batch 256)`,
  );
  const r = barsDemo({ steps, seed }, (step, nll) =>
    console.log(`step ${String(step).padStart(4)}  train NLL ${nll.toFixed(4)} nats`),
  );
  console.log(
    `test NLL ${r.testNll.toFixed(4)} nats (exact; data entropy ${r.entropy.toFixed(4)} nats, so the gap is the ` +
      `model's KL)`,
  );
  console.log(`Σ p(x) over all 2^16 images = ${r.total.toFixed(6)}`);
  console.log("samples:");
  const S = r.size,
    D = S * S,
    n = r.samples.length / D;
  for (let row = 0; row < S; row++) {
    const cells = Array.from({ length: n }, (_, i) =>
      Array.from(r.samples.subarray(i * D + row * S, i * D + row * S + S), (v) => (v ? "█" : "·")).join(""),
    );
    console.log("  " + cells.join("   "));
  }
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function printMnist(epochs: number, seed: number, out: string): Promise<void> {
  const t0 = Date.now();
  console.log(
    `backend ${getBackend().name}, ${getNumThreads()} threads. Training ${MNIST_DEMO.model} ` +
      `(${JSON.stringify(MNIST_DEMO.options)}) on MNIST binarized once with a fixed seed (offline), ${epochs} epochs.`,
  );
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.on("SIGINT", onSigint);
  try {
    const r = await mnistDemo(
      { epochs, seed },
      {
        signal: controller.signal,
        onMetrics: (m) =>
          console.log(
            `epoch ${m.epoch}: train ${Number(m.train_loss).toFixed(2)} nats, valid ` +
              `${Number(m.valid_nll_nats).toFixed(2)} nats (exact)  [${Number(m.seconds).toFixed(0)} s]`,
          ),
      },
    );
    if (r.run.status === "interrupted") {
      process.exitCode = 130;
      return;
    }
    const m = r.run.metrics;
    if (!m || !r.samples) return;
    console.log(
      `test NLL ${m.nll_nats.toFixed(2)} nats = ${m.bits_per_dim.toFixed(4)} bits/dim (${m.estimator}; ` +
        `${m.n.toLocaleString("en-US")} test images, ${m.binarization} binarization)`,
    );
    writeImageGrid(out, r.samples.values, r.samples.n, r.samples.shape, { scale: 2 });
    console.log(
      `wrote ${r.samples.n} samples to ${out}; run directory ${r.run.runDir} ` +
        `(try: deepgen sample ${r.run.runDir} --out more.png)`,
    );
    console.log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    process.off("SIGINT", onSigint);
  }
}

export function demoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "mnist (default): train on offline MNIST for about a minute, print test NLL, write samples; " +
        "bars: a 1-second engine demo with exact normalisation",
    )
    .argument("[which]", "mnist or bars", "mnist")
    .option("--epochs <n>", "epochs of the MNIST demo", parsePositiveInt, 12)
    .option("--steps <n>", "Adam steps of the bars demo", parsePositiveInt, 1000)
    .option("--seed <s>", "random seed", parsePositiveInt, 1)
    .option("--out <file>", "where the MNIST demo writes its samples", "demo-samples.png")
    .action(async (which: string, o: { epochs: number; steps: number; seed: number; out: string }) => {
      if (which === "bars") printBars(o.steps, o.seed);
      else if (which === "mnist") await printMnist(o.epochs, o.seed, o.out);
      else throw new Error(`unknown demo "${which}"; use mnist or bars`);
    });
}
