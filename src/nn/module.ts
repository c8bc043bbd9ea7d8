/** Module: a named tree of parameters and submodules with train/eval mode. */
import type { Tensor } from "../tensor/tensor.js";

export abstract class Module {
  #params = new Map<string, Tensor>();
  #children = new Map<string, Module>();
  #training = true;

  /** Registers a trainable tensor under `name` (marks it requiresGrad). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.#params.set(name, t.requiresGrad ? t : t.requireGrad());
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.#children.set(name, m);
    return m;
  }

  /** Parameters of this module and its descendants, keyed by dotted path ("enc.0.weight"). */
  namedParameters(prefix = ""): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, p] of this.#params) out.push([prefix + n, p]);
    for (const [n, c] of this.#children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  get training(): boolean { return this.#training; }

  train(on = true): this {
    this.#training = on;
    for (const c of this.#children.values()) c.train(on);
    return this;
  }

  eval(): this { return this.train(false); }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }
}
