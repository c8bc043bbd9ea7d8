/**
 * The rectifiers a convolution or batch norm can apply to its output in its own kernel pass: ReLU max(v, 0) and leaky
 * ReLU v > 0 ? v : slope·v (as the relu and leakyRelu ops compute them). Their gradients are read from the output's
 * sign (1 where y > 0, else the slope), which is the input's for every slope ≥ 0, so the kernels keep no input.
 */

/** A fused output activation. */
export type Rectifier = "relu" | "leaky-relu";

/** The default slope of a leaky ReLU, as `leakyRelu()` uses. */
export const DEFAULT_LEAKY_SLOPE = 0.01;

/**
 * The negative side's slope of `activation` as the kernels take it, checked for op `op`: null for no activation, 0
 * for ReLU (a leaky ReLU of slope 0 is ReLU), else the leaky slope (default 0.01).
 */
export function rectifierSlope(op: string, activation: Rectifier | undefined, slope?: number): number | null {
  if (activation === undefined) {
    if (slope !== undefined) throw new RangeError(`${op}: slope ${slope} needs activation "leaky-relu"`);
    return null;
  }
  if (activation === "relu") {
    if (slope !== undefined) throw new RangeError(`${op}: slope ${slope} is for "leaky-relu", not "relu"`);
    return 0;
  }
  if (activation !== "leaky-relu")
    throw new RangeError(`${op}: activation must be "relu", "leaky-relu" or absent, got "${String(activation)}"`);
  const s = slope ?? DEFAULT_LEAKY_SLOPE;
  if (!(Number.isFinite(s) && s >= 0))
    throw new RangeError(`${op}: leaky-relu slope must be a finite number ≥ 0 (the output's sign is read), got ${s}`);
  return s;
}
