/** One benchmark configuration: the parameters its Adam step updates and the loss of one batch. */
import type { Tensor } from "../tensor/tensor.js";

export interface StepCase {
  params: Tensor[];
  loss: () => Tensor;
}
