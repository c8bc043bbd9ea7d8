/**
 * The history buffer of generated images that CycleGAN [1] shows its discriminators, after Shrivastava et al. [2]:
 * a discriminator trained only on the generator's latest outputs chases it from mode to mode (and the generator
 * can park every input on the one output the discriminator currently accepts); one that also sees older outputs keeps
 * rejecting them. The rule, per image of a batch: while the buffer holds fewer than `capacity` images, store the
 * image and pass it on; once full, with probability ½ pass on a stored image picked uniformly and store the new one in
 * its place, otherwise pass on the new image. The stored images are buffers of the model, so a resumed run continues
 * with the same history.
 * [1]: Zhu, Park, Isola & Efros 2017, https://arxiv.org/abs/1703.10593
 * [2]: Shrivastava et al. 2017, Learning from Simulated and Unsupervised Images, https://arxiv.org/abs/1612.07828
 */
import { Module } from "../../nn/module.js";
import { tensor, zeros } from "../../tensor/create.js";
import { fmt } from "../../tensor/shape.js";
import type { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";

export class ImageHistory extends Module {
  /** the stored images [capacity, C, H, W]; slots at and above `filled` are unused */
  readonly images: Tensor;
  /** [1]: how many slots hold an image */
  readonly filled: Tensor;
  readonly #size: number;

  constructor(
    readonly capacity: number,
    readonly imageShape: readonly [number, number, number],
  ) {
    super();
    if (!Number.isInteger(capacity) || capacity < 0)
      throw new RangeError(`history buffer: capacity must be an integer ≥ 0, not ${capacity}`);
    this.#size = imageShape[0] * imageShape[1] * imageShape[2];
    this.images = this.registerBuffer("images", zeros([capacity, ...imageShape]));
    this.filled = this.registerBuffer("filled", zeros([1]));
  }

  /** Images currently stored. */
  get count(): number {
    return this.filled.data[0]!;
  }

  /**
   * The images to show the discriminator in place of a batch of fresh ones [n, C, H, W] (no gradient): each either
   * the fresh image or one from the history, by the rule above. Draws 2n numbers from `g` whatever the buffer holds,
   * so the stream's use does not depend on the history.
   */
  query(fresh: Tensor, g: Generator): Tensor {
    const n = fresh.shape[0]!,
      D = this.#size;
    if (fresh.size !== n * D)
      throw new TypeError(`history buffer: images ${fmt(fresh.shape)} must hold ${fmt(this.imageShape)} each`);
    const coin = g.uniform01(n),
      slot = g.integers(n, Math.max(1, this.capacity));
    if (this.capacity === 0) return fresh;
    const src = fresh.contiguous().data as Float32Array,
      store = this.images.data as Float32Array;
    const out = new Float32Array(src);
    for (let i = 0; i < n; i++) {
      const image = src.subarray(i * D, (i + 1) * D);
      if (this.count < this.capacity) {
        store.set(image, this.count * D);
        this.filled.data[0] = this.count + 1;
      } else if (coin[i]! < 0.5) {
        const k = slot[i]!;
        out.set(store.subarray(k * D, (k + 1) * D), i * D);
        store.set(image, k * D);
      }
    }
    return tensor(out, [...fresh.shape]);
  }
}
