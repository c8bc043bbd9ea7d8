/** Fused, numerically stable losses on logits. */
import { record } from "../autograd/tape.js";
import { fmt, normalizeAxis, sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor-data.js";
import { backendFor, checkTensor, contiguousData, empty } from "./util.js";

export { bceWithLogits } from "./elementwise.js";

/**
 * Categorical cross-entropy −log softmax(z)[target] per position. logits: [..., C, ...] with classes on `axis`;
 * target: integer class ids with the logits' shape minus that axis. Returns the unreduced loss.
 */
export function crossEntropy(logits: Tensor, target: ArrayLike<number> | Tensor, axisIn = -1): Tensor {
  checkTensor("crossEntropy", logits, "logits");
  const axis = normalizeAxis("crossEntropy", axisIn, logits.ndim);
  const classes = logits.shape[axis]!;
  const outShape = logits.shape.filter((_, i) => i !== axis);
  const raw = target instanceof Tensor ? contiguousData(target) : target;
  if (raw.length !== sizeOf(outShape)) {
    throw new TypeError(
      `crossEntropy: ${raw.length} targets for logits ${fmt(logits.shape)} (expected ${sizeOf(outShape)}, shape ${fmt(outShape)})`,
    );
  }
  const t = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= classes)
      throw new RangeError(`crossEntropy: target ${v} at position ${i} is not a class in [0, ${classes})`);
    t[i] = v;
  }
  const outer = sizeOf(logits.shape.slice(0, axis)),
    inner = sizeOf(logits.shape.slice(axis + 1));
  const out = empty(outShape, logits.dtype);
  if (out.size > 0) backendFor(logits.dtype).crossEntropy(contiguousData(logits), t, out.data, outer, classes, inner);
  return record("crossEntropy", [logits], out, { target: t, outer, classes, inner });
}
