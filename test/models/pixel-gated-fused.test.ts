/**
 * Gated PixelCNN's layers on the fused gated unit and tap-listed convolutions compute what the formulation they
 * replaced computed: the vertical stack as a convolution of the input padded above, the link as a 1×1 convolution
 * of the vertical pre-activation shifted down a row, the gated unit as slices, tanh, σ and a product — with the same
 * parameters, so checkpoints written before keep giving the same model. Output parameters and every parameter's
 * gradient of a randomly weighted sum; random inputs and weights, one and three colour groups, with and without
 * classes. float32 on the active backend; tolerance 2e-5 absolute + 1e-4 relative (summation orders differ).
 */
import { test } from "node:test";
import { Generator, conv2d, oneHot, type Tensor } from "../../src/index.js";
import type { GatedPixelCNN } from "../../src/models/pixel/gated-pixelcnn.js";
import { shiftDown } from "../../src/models/pixel/layers.js";
import { assertClose, randomTensor } from "../helpers.js";
import { makePixel, type Shape3 } from "./pixel-helpers.js";

const tol = { atol: 2e-5, rtol: 1e-4 };

/** tanh(a) ⊙ σ(b) with [a | b] halves per colour group, through slices. */
function gateUnfused(x: Tensor, groups: number): Tensor {
  const [B, F2, H, W] = x.shape as [number, number, number, number];
  const g = x.reshape(B, groups, 2, F2 / (2 * groups), H, W);
  return g
    .slice(2, 0, 1)
    .tanh()
    .mul(g.slice(2, 1, 2).sigmoid())
    .reshape(B, F2 / 2, H, W);
}

function networkUnfused(m: GatedPixelCNN, x: Tensor, labels: Int32Array | null): Tensor {
  const condition = labels ? oneHot(labels, m.classes, x.dtype) : null;
  let v = x,
    h = x;
  for (const l of m.layers) {
    const k = l.k,
      p = l.p;
    const padded = v.pad([
      [k >> 1, 0],
      [0, 0],
    ]);
    let vPre = conv2d(padded, l.vertical.weight, l.vertical.bias, { padding: [0, k >> 1] });
    let hPre = l.horizontal.forward(h).add(l.link.forward(shiftDown(vPre)));
    if (condition && l.cond) {
      const c = l.cond.forward(condition),
        B = c.shape[0]!;
      vPre = vPre.add(c.slice(1, 0, 2 * p).reshape(B, 2 * p, 1, 1));
      hPre = hPre.add(c.slice(1, 2 * p).reshape(B, 2 * p, 1, 1));
    }
    const hOut = l.out.forward(gateUnfused(hPre, l.C));
    v = gateUnfused(vPre, 1);
    h = l.first ? hOut : h.add(hOut);
  }
  return m.head.forward(h);
}

function compare(opts: Record<string, unknown>, shape: Shape3, classes: number): void {
  const m = makePixel("gated-pixelcnn", { ...opts, classes }, shape, 3, 1) as GatedPixelCNN;
  const g = new Generator(11),
    B = 3,
    D = shape[0] * shape[1] * shape[2];
  const x = randomTensor(g, [B, D], { dtype: "float32", low: 0, high: 1, grad: false });
  const labels = classes > 0 ? Int32Array.from({ length: B }, (_, i) => i % classes) : null;
  const images = x
    .reshape(B, ...shape)
    .mul(2)
    .sub(1);
  const fused = m.outputParams(x, labels),
    unfused = networkUnfused(m, images, labels);
  assertClose(fused.toArray(), unfused.toArray(), tol, "output parameters");
  const weights = randomTensor(g, fused.shape as number[], { dtype: "float32", grad: false });
  const gradsOf = (out: Tensor): Float32Array[] => {
    for (const q of m.parameters()) q.grad = null;
    out.mul(weights).sum().backward();
    return m.parameters().map((q) => Float32Array.from(q.grad!.toArray()));
  };
  const a = gradsOf(fused),
    b = gradsOf(networkUnfused(m, images, labels));
  const names = m.namedParameters().map(([n]) => n);
  a.forEach((ga, i) => assertClose(ga, b[i]!, tol, `gradient of ${names[i]}`));
}

test("gated-pixelcnn: fused layers = the unfused formulation (binary 6×5, 3 layers; forward, gradients)", () => {
  compare({ features: 8, layers: 3, outputHidden: 8 }, [1, 6, 5], 0);
});

test("gated-pixelcnn: fused layers = the unfused formulation (R→G→B 5×4, classes, logistic output)", () => {
  compare({ features: 6, layers: 2, outputHidden: 6, output: "logistic", levels: 4, mixtures: 2 }, [3, 5, 4], 3);
});
