/** Shapes, strides and broadcasting. All functions are pure and validate with errors that name the op. */

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

export function shapeEquals(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const fmt = (s: Shape): string => `[${s.join(",")}]`;

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new RangeError(`${op}: invalid shape ${fmt(shape)}: dimensions must be non-negative integers`);
  }
}

/** numpy broadcasting: align trailing dims; each pair must be equal or contain a 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const nd = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = s[s.length - 1 - i]!,
        o = nd - 1 - i;
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else
        throw new TypeError(
          `${op}: shapes ${shapes.map(fmt).join(" and ")} cannot be broadcast together ` +
            `(dimension ${o}: ${out[o]} vs ${d})`,
        );
    }
  }
  return out;
}

/** Element strides of a contiguous tensor of `shape` read as `outShape` (0 along broadcast dims). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = contiguousStrides(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, o) => (o < off || shape[o - off] === 1 ? 0 : strides[o - off]!));
}

/**
 * Merges adjacent dims that are contiguous with each other in every stride set and drops size-1 dims, so kernels
 * loop over as few dims as possible. Always returns at least one dim.
 */
export function collapseDims(shape: Shape, ...strideSets: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strideSets.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strideSets.every((s, k) => outStrides[k]![last] === s[d]! * shape[d]!)) {
      outShape[last]! *= shape[d]!;
      strideSets.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(shape[d]!);
      strideSets.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strideSets.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}

export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= Math.max(ndim, 1)) {
    throw new RangeError(`${op}: axis ${axis} is out of range for a tensor with ${ndim} dims`);
  }
  return axis < 0 ? axis + ndim : axis;
}

export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : [...axes];
  const out = [...new Set(list.map((a) => normalizeAxis(op, a, ndim)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw new RangeError(`${op}: repeated axis in [${list.join(",")}]`);
  return out;
}
