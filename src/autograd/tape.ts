/**
 * The define-by-run tape. Each differentiable op that sees an input requiring grad records a GradNode on its output;
 * backward() sorts the graph topologically with an explicit stack (a 784-step loop does not touch the JS call stack)
 * and applies the gradient rules it is given from the root down. The tape knows no rule itself: the table is
 * assembled above the ops (src/autograd/gradient-table.ts) and handed to backward().
 */
import { releaseStorage, tensorsOver, trackAllocations } from "../tensor/storage.js";
import type { GradNode, Tensor } from "../tensor/tensor-data.js";
import type { CoreOp, CoreOpSaved } from "./op.js";

export type Grads = Array<Tensor | null>;
/** One gradient rule: the output gradient g, the op's inputs, its output and what the forward saved → input grads. */
export type GradRule<Saved> = (g: Tensor, inputs: Tensor[], out: Tensor, saved: Saved) => Grads;
/** A table of rules by op name, as backward() receives it. */
export type GradRuleTable = Readonly<Record<string, GradRule<never>>>;

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn with recording off: nothing inside builds a graph (evaluation, sampling, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function needsGrad(inputs: readonly Tensor[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/** Attaches the op to `out` when any input requires grad and recording is on. Returns out. */
export function recordNode(op: string, inputs: Tensor[], out: Tensor, saved: unknown): Tensor {
  if (needsGrad(inputs)) {
    out.requiresGrad = true;
    out.node = { op, inputs, saved, freed: false } satisfies GradNode;
  }
  return out;
}

/** recordNode for the core ops, typed by what each op saves. */
export function record<K extends CoreOp>(op: K, inputs: Tensor[], out: Tensor, saved: CoreOpSaved[K]): Tensor {
  return recordNode(op, inputs, out, saved);
}

/** Tensors reachable from root through recorded nodes, in topological order (inputs before outputs). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: Array<[Tensor, boolean]> = [[root, false]];
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push([t, true]);
    const node = t.node;
    if (node) for (const inp of node.inputs) if (inp.requiresGrad && !visited.has(inp)) stack.push([inp, false]);
  }
  return order;
}

/**
 * The gradients backward() creates, counted by storage buffer: a buffer that only gradients in flight refer to (no
 * leaf's .grad, nothing from before this backward) goes back to the storage pool once the last of them is consumed,
 * so the next forward pass reuses it instead of allocating. Views share a buffer, hence counting buffers, not tensors.
 */
class GradBuffers {
  /** buffers allocated during this backward (storage.ts adds them) that no leaf has received */
  readonly born = new Set<ArrayBuffer>();
  readonly #refs = new Map<ArrayBuffer, number>();

  hold(t: Tensor): Tensor {
    const b = t.data.buffer as ArrayBuffer;
    if (this.born.has(b)) this.#refs.set(b, (this.#refs.get(b) ?? 0) + 1);
    return t;
  }

  drop(t: Tensor): void {
    const b = t.data.buffer as ArrayBuffer;
    if (!this.born.has(b)) return;
    const n = (this.#refs.get(b) ?? 0) - 1;
    if (n > 0) return void this.#refs.set(b, n);
    this.#refs.delete(b);
    this.born.delete(b);
    releaseStorage(t.data);
  }

  /** A leaf's .grad: the caller owns it now; its buffer is released only through `releaseLeafGrad`. */
  keep(t: Tensor): Tensor {
    const b = t.data.buffer as ArrayBuffer;
    if (this.born.delete(b)) leafGrads.add(b);
    return t;
  }
}

/** Buffers a backward pass allocated and handed to a leaf as its .grad. */
const leafGrads = new WeakSet<ArrayBuffer>();

/**
 * Drops a leaf's gradient, handing its memory back for the next backward to reuse when a backward allocated it (a
 * gradient set by hand, or made by arithmetic on one after backward, is only dropped). For a training loop that keeps
 * no gradient past its step: a large parameter's gradient is then the same memory every step instead of fresh pages.
 */
export function releaseLeafGrad(t: Tensor): void {
  const g = t.grad;
  t.grad = null;
  if (g && leafGrads.delete(g.data.buffer as ArrayBuffer)) releaseStorage(g.data);
}

export interface BackwardOptions {
  /** keep the graph so backward can run through it again (default false: saved tensors are released) */
  retainGraph?: boolean;
  /**
   * hand the memory of the tensors computed in this graph back to the storage pool for the next forward pass, like
   * a step of a training loop that keeps none of them (default false). The root (the loss) is kept; any other
   * tensor of the graph whose memory was taken throws when read. Not with retainGraph.
   */
  releaseActivations?: boolean;
}

/** What a tensor whose memory releaseActivations took back answers when read. */
const releasedData: PropertyDescriptor = {
  get(): never {
    throw new Error(
      "this tensor was computed in a graph whose memory backward({ releaseActivations: true }) gave back; " +
        "read what you need before backward, or leave releaseActivations off",
    );
  },
};

/**
 * The tensors over each buffer of the graph's computed tensors (the root's excepted) and how many tensors had been
 * created over it when backward began: a buffer can go back only when every one of them is in the graph (no detached
 * copy, no view made outside it, no leaf). Views the gradient rules make while backward runs are theirs and die
 * with them.
 */
function activationBuffers(order: Tensor[], root: Tensor): Map<ArrayBufferLike, { tensors: Tensor[]; over: number }> {
  const byBuffer = new Map<ArrayBufferLike, { tensors: Tensor[]; over: number }>();
  for (const t of order) {
    if (!t.node || t.data.buffer === root.data.buffer) continue;
    const entry = byBuffer.get(t.data.buffer);
    if (entry) entry.tensors.push(t);
    else byBuffer.set(t.data.buffer, { tensors: [t], over: tensorsOver(t.data) ?? -1 });
  }
  return byBuffer;
}

/**
 * Returns the buffers that only the graph's computed tensors saw to the pool; those tensors then throw when read.
 * Memory a caller holds as a bare typed array (`.data` kept past backward) is the one thing this cannot see; hence
 * the option. A leaf's new gradient is never a view of an activation, but it is checked.
 */
function releaseActivations(byBuffer: ReturnType<typeof activationBuffers>, order: Tensor[]): void {
  for (const t of order) if (!t.node && t.grad) byBuffer.delete(t.grad.data.buffer);
  for (const { tensors, over } of byBuffer.values()) {
    if (over !== tensors.length) continue;
    releaseStorage(tensors[0]!.data);
    for (const t of tensors) Object.defineProperty(t, "data", releasedData);
  }
}

export function backward(
  root: Tensor,
  grad: Tensor | undefined,
  opts: BackwardOptions,
  rules: GradRuleTable,
  accumulate: (t: Tensor, g: Tensor) => Tensor,
  onesLike: (t: Tensor) => Tensor,
): void {
  if (!root.requiresGrad) {
    throw new TypeError(
      "backward: this tensor does not require grad (no input had requiresGrad, or it was computed under noGrad)",
    );
  }
  if (!grad && root.size !== 1) {
    throw new TypeError(
      `backward: a gradient must be given for a non-scalar output of shape [${root.shape.join(",")}]`,
    );
  }
  if (opts.releaseActivations && opts.retainGraph) {
    throw new TypeError("backward: releaseActivations gives the graph's memory back, so it cannot be retained too");
  }
  const order = topoOrder(root);
  const activations = opts.releaseActivations ? activationBuffers(order, root) : null;
  const grads = new Map<Tensor, Tensor>();
  const prev = gradEnabled;
  gradEnabled = false;
  const mine = new GradBuffers();
  const prevTracked = trackAllocations(mine.born);
  try {
    const g0 = grad ?? onesLike(root);
    grads.set(root, mine.hold(g0));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      grads.delete(t);
      if (!g) continue;
      const node = t.node;
      if (!node) {
        if (t.grad) {
          t.grad = mine.keep(accumulate(t.grad, g));
          mine.drop(g);
        } else t.grad = mine.keep(g);
        continue;
      }
      if (node.freed) {
        throw new Error(
          `backward: the graph through "${node.op}" was already used and freed; ` +
            "pass { retainGraph: true } to the first backward() to run it twice",
        );
      }
      const rule = rules[node.op] as GradRule<unknown> | undefined;
      if (!rule) {
        throw new Error(
          `backward: no gradient rule for op "${node.op}"; a fused op must be registered in src/fused/index.ts`,
        );
      }
      const inGrads = rule(g, node.inputs, t, node.saved);
      for (const gi of inGrads) if (gi) mine.hold(gi); // before g is dropped: a rule may return g or a view of it
      node.inputs.forEach((inp, k) => {
        const gi = inGrads[k];
        if (!gi) return;
        if (!inp.requiresGrad) return mine.drop(gi);
        const acc = grads.get(inp);
        if (!acc) return void grads.set(inp, gi);
        grads.set(inp, mine.hold(acc.add(gi)));
        mine.drop(acc);
        mine.drop(gi);
      });
      mine.drop(g);
      if (!opts.retainGraph) node.freed = true;
    }
  } finally {
    trackAllocations(prevTracked);
    gradEnabled = prev;
  }
  if (!opts.retainGraph) {
    for (const t of order) {
      if (t.node) {
        t.node.inputs = [];
        t.node.saved = undefined;
      }
    }
    if (activations) releaseActivations(activations, order);
  }
}
