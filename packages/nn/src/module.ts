import { type Tensor, type Variable, tf } from '@gptft/backend';

/**
 * The base of every gptft layer, in the spirit of `torch.nn.Module`: a tree of named child
 * modules and named parameters (`tf.Variable`s), so that a parameter's full name is its path
 * from the root — exactly Hugging Face's state-dict key (`h.3.attn.c_attn.weight`).
 *
 * Parents look their children up **by name at call time** (`this.child('c_attn')`), never
 * through a cached field, so `setSubmodule('h.3.attn.c_attn', wrapper)` from another package
 * (e.g. a PEFT method) changes what the forward pass runs, with no change to the model code.
 */
export abstract class Module {
  /** Training mode: dropout is active. New modules start in training mode, as in PyTorch. */
  training = true;
  private readonly params = new Map<string, Variable>();
  private readonly modules = new Map<string, Module>();

  /** Registers a parameter under `name`, taking ownership of `value` (it becomes a `tf.Variable`). */
  protected addParameter(name: string, value: Tensor, trainable = true): Variable {
    assertName(name);
    if (this.params.has(name) || this.modules.has(name)) throw new Error(`"${name}" is already registered`);
    const v = tf.variable(value, trainable);
    if (v !== value) value.dispose();
    this.params.set(name, v);
    return v;
  }

  /** Registers a child module under `name` (numeric names for lists: `h.0`, `h.1`, …). */
  protected addModule<M extends Module>(name: string, module: M): M {
    assertName(name);
    if (this.params.has(name) || this.modules.has(name)) throw new Error(`"${name}" is already registered`);
    this.modules.set(name, module);
    return module;
  }

  /** The current child module `name` (whatever `setSubmodule` may have put there). */
  protected child<M extends Module = Module>(name: string): M {
    const m = this.modules.get(name);
    if (!m) throw new Error(`${this.constructor.name} has no submodule "${name}"`);
    return m as M;
  }

  /** The parameter `name` of this module (not of its children). */
  protected param(name: string): Variable {
    const p = this.params.get(name);
    if (!p) throw new Error(`${this.constructor.name} has no parameter "${name}"`);
    return p;
  }

  /** The parameter `name` of this module, or `undefined` when it has none (an optional bias). */
  protected optionalParam(name: string): Variable | undefined {
    return this.params.get(name);
  }

  /** Removes the parameter `name` and returns it (not disposed); `undefined` when absent. */
  protected removeParameter(name: string): Variable | undefined {
    const p = this.params.get(name);
    this.params.delete(name);
    return p;
  }

  /** Removes the child module `name` and returns it (not disposed); `undefined` when absent. */
  protected removeModule(name: string): Module | undefined {
    const m = this.modules.get(name);
    this.modules.delete(name);
    return m;
  }

  /** Direct children, in registration order. */
  namedChildren(): Array<[string, Module]> {
    return [...this.modules];
  }

  /** This module's own parameters (not its children's). */
  namedOwnParameters(): Array<[string, Variable]> {
    return [...this.params];
  }

  /** All modules of the tree, depth first, the root first under `prefix` (default `''`). */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [name, m] of this.modules) out.push(...m.namedModules(join(prefix, name)));
    return out;
  }

  /**
   * All parameters with their full names (`h.0.attn.c_attn.weight`), depth first in registration
   * order. A variable reachable under two names (tied weights) is listed once, under the first.
   */
  namedParameters(prefix = ''): Array<[string, Variable]> {
    const seen = new Set<Variable>();
    const out: Array<[string, Variable]> = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, p] of m.params) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([join(path, name), p]);
      }
    }
    return out;
  }

  parameters(): Variable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Parameters with `trainable === true` (the ones `tf.variableGrads` differentiates). */
  namedTrainableParameters(prefix = ''): Array<[string, Variable]> {
    return this.namedParameters(prefix).filter(([, p]) => p.trainable);
  }

  /** Number of scalars in the parameters (only trainable ones if asked). */
  numParameters(trainableOnly = false): number {
    return this.namedParameters()
      .filter(([, p]) => !trainableOnly || p.trainable)
      .reduce((n, [, p]) => n + p.size, 0);
  }

  /** Sets `trainable` on every parameter of the tree (freeze with `false`). */
  requiresGrad(trainable = true): this {
    for (const p of this.parameters()) p.trainable = trainable;
    return this;
  }

  /** The module at a dotted path (`'h.3.attn.c_attn'`; `''` is this module). */
  getSubmodule<M extends Module = Module>(path: string): M {
    let m: Module = this;
    if (path === '') return m as M;
    const parts = path.split('.');
    for (let i = 0; i < parts.length; i++) {
      const next = m.modules.get(parts[i]!);
      if (!next) {
        const at = parts.slice(0, i).join('.') || '(root)';
        const have = [...m.modules.keys()].join(', ') || 'none';
        throw new Error(`no submodule "${path}": ${at} has no child "${parts[i]}" (children: ${have})`);
      }
      m = next;
    }
    return m as M;
  }

  /**
   * Replaces the module at `path` (its parent must exist; the child must exist unless
   * `allowNew`) and returns the one it replaced. The parent's forward uses the new module from
   * its next call. The old module is not disposed: wrappers usually keep it as their base layer.
   */
  setSubmodule(path: string, module: Module, allowNew = false): Module | undefined {
    const dot = path.lastIndexOf('.');
    const parent = dot < 0 ? this : this.getSubmodule(path.slice(0, dot));
    const name = path.slice(dot + 1);
    assertName(name);
    const old = parent.modules.get(name);
    if (!old && !allowNew) throw new Error(`no submodule "${path}" to replace`);
    if (parent.params.has(name)) throw new Error(`"${path}" is a parameter, not a module`);
    parent.modules.set(name, module);
    return old;
  }

  /** The parameter at a dotted path (`'h.0.ln_1.weight'`). */
  getParameter(path: string): Variable {
    const dot = path.lastIndexOf('.');
    const owner = dot < 0 ? this : this.getSubmodule(path.slice(0, dot));
    const p = owner.params.get(path.slice(dot + 1));
    if (!p) throw new Error(`no parameter "${path}"`);
    return p;
  }

  /**
   * Replaces the parameter at `path` with another variable (e.g. to tie weights) and returns the
   * old one, which the caller now owns (dispose it unless it is still in use).
   */
  setParameter(path: string, value: Variable): Variable {
    const dot = path.lastIndexOf('.');
    const owner = dot < 0 ? this : this.getSubmodule(path.slice(0, dot));
    const name = path.slice(dot + 1);
    const old = owner.params.get(name);
    if (!old) throw new Error(`no parameter "${path}"`);
    owner.params.set(name, value);
    return old;
  }

  /** Sets training mode on the whole tree (dropout on); returns `this`. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode on the whole tree (dropout off); returns `this`. */
  eval(): this {
    return this.train(false);
  }

  /** Disposes every parameter of the tree (tied variables once). The module is unusable afterwards. */
  dispose(): void {
    for (const p of this.parameters()) if (!p.isDisposed) p.dispose();
  }
}

/** A module with a plain `forward(x) → y`: what wrappers (LoRA, adapters, IA³) replace. */
export abstract class Layer extends Module {
  abstract forward(x: Tensor): Tensor;
}

/** An ordered list of modules named `0`, `1`, … (PyTorch's `nn.ModuleList`). */
export class ModuleList<M extends Module = Module> extends Module {
  private count = 0;
  constructor(modules: M[] = []) {
    super();
    for (const m of modules) this.push(m);
  }
  push(module: M): void {
    this.addModule(String(this.count++), module);
  }
  get length(): number {
    return this.count;
  }
  /** The module currently at index `i`. */
  at(i: number): M {
    return this.child<M>(String(i));
  }
  *[Symbol.iterator](): IterableIterator<M> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }
}

/**
 * Named child modules (PyTorch's `nn.ModuleDict`), in insertion order: PEFT layers keep one entry
 * per adapter name (`lora_A.default`, `lora_A.other`), so a parameter's path names its adapter.
 */
export class ModuleDict<M extends Module = Module> extends Module {
  constructor(entries: Iterable<[string, M]> = []) {
    super();
    for (const [name, m] of entries) this.addModule(name, m);
  }
  /** Adds `module` under `name` (which must be new). */
  set(name: string, module: M): M {
    return this.addModule(name, module);
  }
  get(name: string): M | undefined {
    return this.has(name) ? this.child<M>(name) : undefined;
  }
  has(name: string): boolean {
    return this.namedChildren().some(([n]) => n === name);
  }
  /** Removes the entry `name` and returns its module (not disposed). */
  delete(name: string): M | undefined {
    return this.removeModule(name) as M | undefined;
  }
  keys(): string[] {
    return this.namedChildren().map(([n]) => n);
  }
  entries(): Array<[string, M]> {
    return this.namedChildren() as Array<[string, M]>;
  }
  get size(): number {
    return this.namedChildren().length;
  }
}

/**
 * Named parameters (PyTorch's `nn.ParameterDict`), in insertion order: a PEFT layer's per-adapter
 * vectors (`ia3_l.default`), so a parameter's path names its adapter.
 */
export class ParameterDict extends Module {
  /** Adds a parameter `name` holding `value` (which becomes a variable owned by the dict). */
  set(name: string, value: Tensor, trainable = true): Variable {
    return this.addParameter(name, value, trainable);
  }
  get(name: string): Variable | undefined {
    return this.optionalParam(name);
  }
  has(name: string): boolean {
    return this.optionalParam(name) !== undefined;
  }
  /** Removes the entry `name` and returns its variable (not disposed). */
  delete(name: string): Variable | undefined {
    return this.removeParameter(name);
  }
  keys(): string[] {
    return this.namedOwnParameters().map(([n]) => n);
  }
  get size(): number {
    return this.namedOwnParameters().length;
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function assertName(name: string): void {
  if (name === '' || name.includes('.')) throw new Error(`invalid module/parameter name "${name}"`);
}
