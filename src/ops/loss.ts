/** Fused, numerically stable losses on logits, reduced like PyTorch's (`reduction: "mean"` by default). */
import { record } from "../autograd/tape.js";
import { fmt, normalizeAxis, sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor-data.js";
import { binaryKernel } from "./elementwise.js";
import { reduceOp } from "./reduce.js";
import { backendFor, checkTensor, contiguousData, empty } from "./util.js";

/** "mean" over every element (the default), "sum", or "none": the per-element losses. */
export type Reduction = "mean" | "sum" | "none";

export interface LossOptions {
  reduction?: Reduction;
}

export interface CrossEntropyOptions extends LossOptions {
  /** the axis of the logits that holds the classes (default -1) */
  axis?: number;
}

function reduce(op: string, loss: Tensor, reduction: Reduction | undefined): Tensor {
  switch (reduction ?? "mean") {
    case "none":
      return loss;
    case "sum":
      return reduceOp("sum", loss, undefined, false);
    case "mean":
      // Σ then × 1/n: the same arithmetic as loss.mean()
      return reduceOp("sum", loss, undefined, false).mul(1 / loss.size);
    default:
      throw new RangeError(`${op}: reduction ${JSON.stringify(reduction)} is not one of "mean", "sum", "none"`);
  }
}

/**
 * Numerically stable binary cross-entropy on logits: −[t log σ(z) + (1−t) log(1−σ(z))] per element, then
 * reduced (mean by default; `{ reduction: "none" }` keeps the per-element losses). logits and target broadcast.
 */
export function bceWithLogits(logits: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkTensor("bceWithLogits", logits, "logits");
  checkTensor("bceWithLogits", target, "target");
  const loss = record("bceWithLogits", [logits, target], binaryKernel("bceLogits", logits, target), {});
  return reduce("bceWithLogits", loss, opts.reduction);
}

/**
 * Categorical cross-entropy −log softmax(z)[target] per position, then reduced (mean by default). logits:
 * [..., C, ...] with classes on `axis` (the third argument: a number, or `{ axis, reduction }`); target: integer class
 * ids with the logits' shape minus that axis.
 */
export function crossEntropy(
  logits: Tensor,
  target: ArrayLike<number> | Tensor,
  axisOrOpts: number | CrossEntropyOptions = {},
): Tensor {
  const opts = typeof axisOrOpts === "number" ? { axis: axisOrOpts } : axisOrOpts;
  checkTensor("crossEntropy", logits, "logits");
  const axis = normalizeAxis("crossEntropy", opts.axis ?? -1, logits.ndim);
  const classes = logits.shape[axis]!;
  const outShape = logits.shape.filter((_, i) => i !== axis);
  const raw = target instanceof Tensor ? contiguousData(target) : target;
  if (raw.length !== sizeOf(outShape)) {
    throw new TypeError(
      `crossEntropy: ${raw.length} targets for logits ${fmt(logits.shape)} ` +
        `(expected ${sizeOf(outShape)}, shape ${fmt(outShape)})`,
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
  return reduce(
    "crossEntropy",
    record("crossEntropy", [logits], out, { target: t, outer, classes, inner }),
    opts.reduction,
  );
}
