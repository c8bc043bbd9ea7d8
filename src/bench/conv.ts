/**
 * Convolution layers of the standard models, timed like the PyTorch peer (peers/conv_peer.py): forward plus the
 * input and weight gradients of one layer, median of 20 after 3 warm-ups. Masked layers (PixelCNN's mask A and B,
 * the Row LSTM's mask-B input-to-state conv) run over their live taps only; PyTorch computes them in full. Each
 * repetition ends with the gradients cleared, as the peer's does.
 */
import { releaseLeafGrad } from "../autograd/tape.js";
import { conv2d, convTranspose2d } from "../ops/linalg.js";
import { getBackend, getNumThreads, setNumThreads } from "../backend/registry.js";
import { randn } from "../tensor/create.js";
import { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { cpuNow, median, now } from "./clock.js";

interface ConvLayer {
  name: string;
  /** N, Cin, H, W, Cout, k, stride, pad */
  dims: [number, number, number, number, number, number, number, number];
  kind: "conv" | "convT" | "conv1d";
  /** live taps of a masked layer (kernel positions i·k + j) */
  taps?: number[];
}

const firstHalf = (k: number, centre: boolean): number[] =>
  Array.from({ length: (k * k - 1) / 2 + (centre ? 1 : 0) }, (_, t) => t);

/** The peer's layers, same names and shapes. */
export const convLayers: ConvLayer[] = [
  { name: "pixelcnn_maskA_7x7", dims: [32, 1, 28, 28, 64, 7, 1, 3], kind: "conv", taps: firstHalf(7, false) },
  { name: "pixelcnn_maskB_3x3", dims: [32, 32, 28, 28, 32, 3, 1, 1], kind: "conv", taps: firstHalf(3, true) },
  { name: "pixelcnn_1x1", dims: [32, 64, 28, 28, 32, 1, 1, 0], kind: "conv" },
  { name: "dcgan_D_conv1", dims: [64, 1, 28, 28, 64, 4, 2, 1], kind: "conv" },
  { name: "dcgan_D_conv2", dims: [64, 64, 14, 14, 128, 4, 2, 1], kind: "conv" },
  { name: "dcgan_G_convT1", dims: [64, 128, 7, 7, 64, 4, 2, 1], kind: "convT" },
  { name: "dcgan_G_convT2", dims: [64, 64, 14, 14, 1, 4, 2, 1], kind: "convT" },
  { name: "rowlstm_1x3", dims: [16 * 28, 64, 1, 28, 128, 3, 1, 1], kind: "conv1d", taps: [0, 1] },
];

export interface ConvResult {
  name: string;
  ms: number;
  /** median CPU time of the process (all threads) per repetition */
  cpu_ms: number;
  threads: number;
  taps: string;
  backend: string;
}

/** The layer's forward and its two leaves (input, weight), whose gradients each repetition clears, as the peer does. */
function layerFn(l: ConvLayer, g: Generator): { run: () => Tensor; leaves: Tensor[] } {
  const [n, cin, h, w, cout, k, s, p] = l.dims;
  if (l.kind === "conv1d") {
    const x = randn([n, cin, w], { generator: g }).requireGrad(),
      wt = randn([cout, cin, k], { generator: g }).requireGrad();
    // a 1-D conv is a conv2d on height-1 rows; its taps are positions along the row
    const run = () => conv2d(x.unsqueeze(2), wt.unsqueeze(2), null, { padding: [0, p], stride: s, taps: l.taps });
    return { run, leaves: [x, wt] };
  }
  const x = randn([n, cin, h, w], { generator: g }).requireGrad();
  if (l.kind === "convT") {
    const wt = randn([cin, cout, k, k], { generator: g }).requireGrad();
    return { run: () => convTranspose2d(x, wt, null, { stride: s, padding: p }), leaves: [x, wt] };
  }
  const wt = randn([cout, cin, k, k], { generator: g }).requireGrad();
  return { run: () => conv2d(x, wt, null, { stride: s, padding: p, taps: l.taps }), leaves: [x, wt] };
}

export function benchConv(threads = getNumThreads(), reps = 20, names?: string[]): ConvResult[] {
  setNumThreads(threads);
  const layers = names ? convLayers.filter((l) => names.includes(l.name)) : convLayers;
  return layers.map((l) => {
    const { run, leaves } = layerFn(l, new Generator(0));
    const times: number[] = [],
      cpu: number[] = [];
    for (let i = 0; i < reps + 3; i++) {
      const t0 = now(),
        c0 = cpuNow();
      // as in a training step: the output and the gradients go back to the storage pool for the next repetition,
      // as PyTorch's reference counting frees them (the peer sets x.grad = wt.grad = None after each repetition)
      run().sum().backward({ releaseActivations: true });
      for (const t of leaves) releaseLeafGrad(t);
      if (i >= 3) {
        times.push(now() - t0);
        cpu.push(cpuNow() - c0);
      }
    }
    const k = l.dims[5] * (l.kind === "conv1d" ? 1 : l.dims[5]);
    return {
      name: l.name,
      ms: +median(times).toFixed(3),
      cpu_ms: +median(cpu).toFixed(3),
      threads,
      taps: `${l.taps?.length ?? k} of ${k}`,
      backend: getBackend().name,
    };
  });
}
