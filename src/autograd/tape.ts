/**
 * The define-by-run tape. Each differentiable op that sees an input requiring grad records a GradNode on its output;
 * backward() sorts the graph topologically with an explicit stack (a 784-step loop does not touch the JS call stack)
 * and applies the gradient rules it is given from the root down. The tape knows no rule itself: the table is
 * assembled above the ops (src/autograd/gradient-table.ts) and handed to backward().
 */
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

export interface BackwardOptions {
  /** keep the graph so backward can run through it again (default false: saved tensors are released) */
  retainGraph?: boolean;
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
  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, grad ?? onesLike(root));
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      grads.delete(t);
      if (!g) continue;
      const node = t.node;
      if (!node) {
        t.grad = t.grad ? accumulate(t.grad, g) : g;
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
      node.inputs.forEach((inp, k) => {
        const gi = inGrads[k];
        if (!gi || !inp.requiresGrad) return;
        const acc = grads.get(inp);
        grads.set(inp, acc ? acc.add(gi) : gi);
      });
      if (!opts.retainGraph) node.freed = true;
    }
  } finally {
    gradEnabled = prev;
  }
  if (!opts.retainGraph) {
    for (const t of order) {
      if (t.node) {
        t.node.inputs = [];
        t.node.saved = undefined;
      }
    }
  }
}
