// PyTorch-style modules: named parameters, buffers and children, train/eval, state dicts,
// freezing by name pattern. Layers (layers/*.ts) and models are Modules.
import { Tensor, noGrad, sameShape, type Device, type DType } from '../torch/index.js';

export type StateDict = Map<string, Tensor>;

/**
 * Called after a module's forward with its inputs and output (PyTorch's forward hook). Returning
 * a tensor replaces the output; returning nothing keeps it.
 */
export type ForwardHook = (module: Module, inputs: Tensor[], output: Tensor) => Tensor | void;

export interface LoadStateDictResult {
  missing: string[];
  unexpected: string[];
}

export class StateDictError extends Error {
  constructor(
    message: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly mismatched: string[],
  ) {
    super(message);
    this.name = 'StateDictError';
  }
}

/** Glob over dotted names: `*` matches within one segment, `**` across segments. */
export function namePattern(p: string | RegExp): RegExp {
  if (p instanceof RegExp) return p;
  const re = p
    .split('**')
    .map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.]*'))
    .join('.*');
  // a pattern naming a module also matches everything inside it
  return new RegExp(`^${re}(\\..*)?$`);
}

export abstract class Module {
  /** Set by the parent when registered; the layer's own name otherwise. */
  name: string;
  training = true;
  private readonly _params = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _children = new Map<string, Module>();
  private readonly _forwardHooks: ForwardHook[] = [];

  constructor(name?: string) {
    this.name = name ?? this.constructor.name.toLowerCase();
  }

  /** The computation. Most modules take one tensor; merge layers take several. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /** Runs forward, then the forward hooks in registration order. */
  call(...inputs: Tensor[]): Tensor {
    let out = this.forward(...inputs);
    for (const hook of [...this._forwardHooks]) out = hook(this, inputs, out) ?? out;
    return out;
  }

  /** Adds a hook run after every call(); returns a function that removes it. */
  registerForwardHook(hook: ForwardHook): () => void {
    this._forwardHooks.push(hook);
    return () => {
      const i = this._forwardHooks.indexOf(hook);
      if (i >= 0) this._forwardHooks.splice(i, 1);
    };
  }

  // ---- registration ----

  protected registerParameter(name: string, t: Tensor, trainable = true): Tensor {
    if (!t.isLeaf) throw new Error(`${this.name}: parameter '${name}' must be a leaf tensor (detach it first)`);
    t.requiresGrad = trainable;
    this._params.set(name, t);
    return t;
  }

  protected registerBuffer(name: string, t: Tensor): Tensor {
    this._buffers.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    if (name.includes('.')) throw new Error(`${this.name}: child name '${name}' may not contain '.'`);
    this._children.set(name, m);
    return m;
  }

  /** This module's own parameter or buffer (not a child's), or null. */
  protected own(name: string): Tensor | null {
    return this._params.get(name) ?? this._buffers.get(name) ?? null;
  }

  /** Replaces a registered parameter or buffer tensor (disposing the old one unless keepOld). */
  replaceTensor(name: string, t: Tensor, keepOld = false): void {
    const dot = name.indexOf('.');
    if (dot >= 0) {
      const child = this._children.get(name.slice(0, dot));
      if (!child) throw new Error(`${this.name}: no child module '${name.slice(0, dot)}'`);
      child.replaceTensor(name.slice(dot + 1), t, keepOld);
      return;
    }
    const inParams = this._params.get(name);
    const inBuffers = this._buffers.get(name);
    const old = inParams ?? inBuffers;
    if (!old) throw new Error(`${this.name}: no parameter or buffer '${name}'`);
    if (inParams) this.registerParameter(name, t, inParams.requiresGrad);
    else this._buffers.set(name, t);
    if (!keepOld && old !== t) old.dispose();
  }

  /** Replaces a child module (model surgery). */
  replaceModule(name: string, m: Module): void {
    if (!this._children.has(name)) throw new Error(`${this.name}: no child module '${name}'`);
    this._children.set(name, m);
  }

  removeModule(name: string): Module {
    const m = this._children.get(name);
    if (!m) throw new Error(`${this.name}: no child module '${name}'`);
    this._children.delete(name);
    return m;
  }

  // ---- traversal ----

  children(): [string, Module][] {
    return [...this._children.entries()];
  }

  child(name: string): Module | undefined {
    return this._children.get(name);
  }

  /** Every module below (and including) this one with its dotted name ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, c] of this._children) out.push(...c.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  /** The module at a dotted path, e.g. 'features.3'. */
  getModule(path: string): Module {
    if (path === '') return this;
    let m: Module | undefined = this;
    for (const part of path.split('.')) {
      m = m?._children.get(part);
      if (!m) throw new Error(`${this.name}: no module '${path}'`);
    }
    return m!;
  }

  namedParameters(prefix = '', recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this._params) out.push([prefix ? `${prefix}.${n}` : n, p]);
    if (recurse) for (const [n, c] of this._children) out.push(...c.namedParameters(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  parameters(recurse = true): Tensor[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /** Parameters that receive gradients (not frozen). */
  trainableParameters(): Tensor[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, b] of this._buffers) out.push([prefix ? `${prefix}.${n}` : n, b]);
    if (recurse) for (const [n, c] of this._children) out.push(...c.namedBuffers(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  /** Counts of parameters (elements): total, trainable, non-trainable. */
  countParams(): { total: number; trainable: number; nonTrainable: number } {
    let total = 0;
    let trainable = 0;
    for (const p of this.parameters()) {
      total += p.size;
      if (p.requiresGrad) trainable += p.size;
    }
    return { total, trainable, nonTrainable: total - trainable };
  }

  // ---- modes ----

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Freezes parameters whose dotted names match (all when no pattern). */
  freeze(pattern?: string | RegExp): this {
    return this.setTrainable(false, pattern);
  }

  unfreeze(pattern?: string | RegExp): this {
    return this.setTrainable(true, pattern);
  }

  private setTrainable(v: boolean, pattern?: string | RegExp): this {
    const re = pattern === undefined ? null : namePattern(pattern);
    let n = 0;
    for (const [name, p] of this.namedParameters()) {
      if (re && !re.test(name)) continue;
      p.requiresGrad = v;
      n++;
    }
    if (re && n === 0) throw new Error(`${this.name}: no parameter matches '${String(pattern)}'`);
    return this;
  }

  /** Applies fn to every module, children first. */
  apply(fn: (m: Module, name: string) => void): this {
    for (const [n, m] of this.namedModules().reverse()) fn(m, n);
    return this;
  }

  // ---- state ----

  /** Parameters and buffers by dotted name. The tensors are the module's own: do not dispose them. */
  stateDict(): StateDict {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into the module's tensors. strict (default): missing or unexpected keys are
   * an error; shape mismatches always are. The error lists every offending key.
   */
  loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const src = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !src.has(k));
    const unexpected = [...src.keys()].filter((k) => !own.has(k));
    const mismatched: string[] = [];
    for (const [k, t] of own) {
      const s = src.get(k);
      if (s && !sameShape(s.shape, t.shape)) mismatched.push(`${k}: checkpoint [${s.shape.join(', ')}] vs model [${t.shape.join(', ')}]`);
    }
    if (mismatched.length || (strict && (missing.length || unexpected.length))) {
      const parts: string[] = [];
      if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
      if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
      if (mismatched.length) parts.push(`shape mismatches: ${mismatched.join('; ')}`);
      throw new StateDictError(`${this.name}: cannot load state dict (${parts.join('; ')})`, missing, unexpected, mismatched);
    }
    noGrad(() => {
      for (const [k, t] of own) {
        const s = src.get(k);
        if (s) t.copy_(s);
      }
    });
    return { missing, unexpected };
  }

  /** Moves or casts every parameter and buffer in place (the Tensor objects are replaced). */
  to(target: Device | DType): this {
    for (const [, m] of this.namedModules()) {
      for (const map of [m._params, m._buffers]) {
        for (const [n, t] of map) {
          const isFloat = t.dtype.startsWith('float') || t.dtype === 'bfloat16';
          if (!target.startsWith('cpu') && !target.startsWith('cuda') && !isFloat) continue; // dtype casts skip integer buffers
          const moved = noGrad(() => t.to(target).detach());
          if (moved !== t) {
            moved.requiresGrad = t.requiresGrad && isFloat;
            map.set(n, moved);
            t.dispose();
          }
        }
      }
    }
    return this;
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const [, t] of this.stateDict()) t.dispose();
  }
}

