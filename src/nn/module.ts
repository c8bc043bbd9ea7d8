/** Module: a named tree of parameters, buffers and submodules, with train/eval mode and a state dict. */
import { fmt, shapeEquals } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

export abstract class Module {
  #params = new Map<string, Tensor>();
  #buffers = new Map<string, Tensor>();
  #children = new Map<string, Module>();
  #training = true;

  /** Registers a trainable tensor under `name` (marks it requiresGrad). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.#params.set(name, t.requiresGrad ? t : t.requireGrad());
    return t;
  }

  /** Registers state that is saved and loaded but not trained (running statistics, fixed masks). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.#buffers.set(name, t);
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

  namedBuffers(prefix = ""): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, b] of this.#buffers) out.push([prefix + n, b]);
    for (const [n, c] of this.#children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** This module and its descendants, depth first. */
  modules(): Module[] {
    return [this, ...[...this.#children.values()].flatMap((c) => c.modules())];
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Parameters and buffers by name (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values from `state` into this module's parameters and buffers. Every name must be present with the same
   * shape; on any mismatch nothing is changed.
   */
  loadStateDict(state: Map<string, Tensor>): void {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    if (missing.length || unexpected.length) {
      const parts: string[] = [];
      if (missing.length) parts.push(`missing ${missing.join(", ")}`);
      if (unexpected.length) parts.push(`unexpected ${unexpected.join(", ")}`);
      throw new TypeError(`loadStateDict: ${parts.join("; ")}`);
    }
    for (const [k, t] of own) {
      const src = state.get(k)!;
      if (!shapeEquals(src.shape, t.shape))
        throw new TypeError(`loadStateDict: ${k} has shape ${fmt(src.shape)}, the model expects ${fmt(t.shape)}`);
    }
    for (const [k, t] of own) t.data.set(state.get(k)!.contiguous().data);
  }

  get training(): boolean {
    return this.#training;
  }

  train(on = true): this {
    this.#training = on;
    for (const c of this.#children.values()) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }
}

/** A module applying a list of layers in order. */
export class Sequential extends Module {
  readonly layers: Array<Module & { forward(x: Tensor): Tensor }>;

  constructor(...layers: Array<Module & { forward(x: Tensor): Tensor }>) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.registerModule(String(i), l));
  }

  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, l) => l.forward(h), x);
  }
}

/** A parameter-free function as a layer (activations in a Sequential). */
export class Lambda extends Module {
  constructor(readonly fn: (x: Tensor) => Tensor) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}
