/**
 * Radford et al. 2016's initialisation (§4): every weight drawn from N(0, 0.02²). Convolution, transposed
 * convolution and linear weights get N(0, σ²) and zero biases; BatchNorm gains N(1, σ²) and zero shifts, as the
 * reference implementations apply it. The library's layers start from PyTorch's default U(±1/√fan_in) instead, which
 * for the generator's last transposed convolution (fan-in counted on its one output channel: 1·4·4 = 16) is
 * U(±0.25): a standard deviation of 0.144, seven times the paper's 0.02.
 */
import { noGrad } from "../../autograd/tape.js";
import { BatchNorm } from "../../nn/layers.js";
import { Conv2d, ConvTranspose2d } from "../../nn/conv.js";
import { Linear } from "../../nn/linear.js";
import { randn } from "../../tensor/create.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";

/** The paper's standard deviation. */
export const DCGAN_INIT_STD = 0.02;

function fill(t: Tensor | null, mean: number, std: number, g: Generator): void {
  if (!t) return;
  if (std === 0) t.data.fill(mean);
  else t.data.set(randn([...t.shape], { mean, std, generator: g, dtype: t.dtype }).data);
}

export type InitLayer = Linear | Conv2d | ConvTranspose2d | BatchNorm;

/** Re-initialises the given layers in place. */
export function normalInit(layers: readonly InitLayer[], g: Generator, std = DCGAN_INIT_STD): void {
  noGrad(() => {
    for (const m of layers) {
      if (m instanceof Linear || m instanceof Conv2d || m instanceof ConvTranspose2d) {
        fill(m.weight, 0, std, g);
        fill(m.bias, 0, 0, g);
      } else if (m instanceof BatchNorm) {
        fill(m.weight, 1, std, g);
        fill(m.bias, 0, 0, g);
      }
    }
  });
}
