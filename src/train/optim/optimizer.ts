// The optimiser base class: parameter groups with their own hyper-parameters (discriminative
// learning rates), per-parameter state, in-place updates under noGrad + tidy, and state dicts
// that round-trip through safetensors + JSON so training resumes exactly.
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';

/** Values that survive JSON.stringify/parse unchanged. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/** Hyper-parameters every optimiser has. Schedules write `lr`. */
export interface BaseOptions {
  lr: number;
  weightDecay: number;
}

/** A parameter group as given by the caller: its tensors plus hyper-parameters overriding the defaults. */
export type ParamGroupInput<O extends BaseOptions = BaseOptions> = { params: readonly Tensor[] } & Partial<O>;

/** What an optimiser is built from: plain parameters (one group) or parameter groups. */
export type ParamsInput<O extends BaseOptions = BaseOptions> = readonly Tensor[] | readonly ParamGroupInput<O>[];

/** A parameter group with every hyper-parameter resolved. Mutable: schedules set `lr` (and momentum / betas). */
export type ParamGroup<O extends BaseOptions = BaseOptions> = O & { params: Tensor[] };

/** Per-parameter optimiser state: tensors (moments, buffers) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number | undefined>;

/**
 * An optimiser's state in a serialisable form: `tensors` (copies, owned by the caller: dispose them
 * or hand them to saveSafetensors) named `state.<paramIndex>.<name>`, and `meta` (plain JSON: the
 * optimiser kind, each group's hyper-parameters and parameter indices, numeric per-parameter state).
 * Parameter indices count through the groups in order, as in PyTorch.
 */
export interface OptimizerStateDict {
  tensors: Map<string, Tensor>;
  meta: OptimizerMeta;
}

export interface OptimizerMeta {
  format: 'fovea.optimizer/1';
  optimizer: string;
  groups: { params: number[]; options: { [key: string]: JSONValue } }[];
  state: { [paramIndex: string]: { [name: string]: number } };
}

export const OPTIMIZER_STATE_FORMAT = 'fovea.optimizer/1';

/** The entries of an options object whose value is not undefined (so they do not hide defaults). */
export function definedOnly<O extends object>(o: O): Partial<O> {
  const out: Partial<O> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function isTensor(v: unknown): v is T.Tensor {
  return v instanceof T.Tensor;
}

/**
 * Base class of the optimisers. Subclasses implement `update` (one parameter, PyTorch's
 * single-tensor code path). Parameters whose `requiresGrad` is false or whose grad is null are
 * skipped.
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions, S extends ParamState = ParamState> {
  /** The kind, e.g. 'adam' (checked by loadStateDict). */
  abstract get name(): string;
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, keyed by the parameter tensor. */
  protected readonly state = new Map<Tensor, S>();
  /** Number of step() calls (not saved; per-parameter step counts are). */
  stepCount = 0;

  constructor(params: ParamsInput<O>, defaults: O) {
    this.defaults = Object.freeze({ ...defaults });
    const list = [...params] as (Tensor | ParamGroupInput<O>)[];
    if (list.length === 0) throw new Error('optimizer got an empty parameter list');
    const groups: ParamGroupInput<O>[] = isTensor(list[0])
      ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>]
      : (list as ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a parameter group (e.g. layers unfrozen during fine-tuning); unset hyper-parameters take the defaults. */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (!group || !Array.isArray(group.params)) throw new TypeError('a parameter group needs a `params` array of tensors');
    const params = [...group.params];
    const seen = new Set<Tensor>();
    for (const p of params) {
      if (!isTensor(p)) throw new TypeError('optimizer parameters must be Tensors');
      if (!T.isFloating(p.dtype)) throw new TypeError(`optimizer parameters must be floating point, got ${p.dtype}`);
      if (!p.isLeaf) throw new Error("can't optimize a non-leaf tensor");
      if (seen.has(p)) throw new Error('a parameter appears twice in one group');
      seen.add(p);
    }
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (seen.has(p)) throw new Error('some parameters appear in more than one parameter group');
      }
    }
    // arrays (betas) are copied so that no two groups, nor the defaults, share one
    const resolved: Record<string, unknown> = {};
    for (const [k, v] of [...Object.entries(this.defaults), ...Object.entries(group)]) {
      if (k !== 'params' && v !== undefined) resolved[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
    }
    resolved.params = params;
    const g = resolved as unknown as ParamGroup<O>;
    this.validateGroup(g);
    this.paramGroups.push(g);
    for (const p of params) {
      const s = this.initState(p, g);
      if (s !== undefined) this.state.set(p, s);
    }
  }

  /** Throws on invalid hyper-parameters (subclasses check their own). */
  protected validateGroup(g: ParamGroup<O>): void {
    if (!(g.lr >= 0)) throw new RangeError(`${this.name}: invalid learning rate ${g.lr}`);
    if (!(g.weightDecay >= 0)) throw new RangeError(`${this.name}: invalid weight decay ${g.weightDecay}`);
  }

  /** State created when a parameter is added (PyTorch's Adagrad); most optimisers create it lazily. */
  protected initState(_p: Tensor, _group: ParamGroup<O>): S | undefined {
    return undefined;
  }

  /**
   * Updates one parameter in place from its gradient. Runs under noGrad inside a tidy scope:
   * temporaries are freed afterwards, so state tensors it creates must go through `this.keep`.
   * Returns the parameter's state (new or the one given).
   */
  protected abstract update(p: Tensor, grad: Tensor, state: S | undefined, group: ParamGroup<O>): S;

  /** A zero tensor like p that outlives the step's tidy scope (for lazily created state). */
  protected zerosState(p: Tensor): Tensor {
    return T.keep(T.zerosLike(p));
  }

  protected keep(t: Tensor): Tensor {
    return T.keep(t);
  }

  /** One optimisation step over every parameter that has a gradient. */
  step(): void {
    T.noGrad(() =>
      T.tidy(() => {
        for (const group of this.paramGroups) {
          for (const p of group.params) {
            if (!p.requiresGrad) continue;
            const grad = p.grad;
            if (grad === null) continue;
            const before = this.state.get(p);
            const after = this.update(p, grad, before, group);
            if (after !== before) this.state.set(p, after);
          }
        }
      }),
    );
    this.stepCount++;
  }

  /** Clears gradients: sets them to null (default, like PyTorch 2) or zeroes them in place. */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) {
          p.grad = null;
        } else {
          const grad = p.grad;
          if (grad !== null) {
            T.noGrad(() => grad.zero_());
            grad.dispose();
          }
        }
      }
    }
  }

  /** Every parameter, group by group. */
  get params(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** The learning rate of each group. */
  get lrs(): number[] {
    return this.paramGroups.map((g) => g.lr);
  }

  /** Sets every group's learning rate (one number for all, or one per group). */
  setLr(lr: number | readonly number[]): void {
    const lrs = typeof lr === 'number' ? this.paramGroups.map(() => lr) : lr;
    if (lrs.length !== this.paramGroups.length) throw new RangeError(`setLr: ${lrs.length} values for ${this.paramGroups.length} groups`);
    this.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
  }

  /** The state of one parameter (read-only view), or undefined before its first update. */
  stateOf(p: Tensor): Readonly<S> | undefined {
    return this.state.get(p);
  }

  /** A snapshot of the state: copies of the state tensors (caller owns them) plus JSON metadata. */
  stateDict(): OptimizerStateDict {
    const tensors = new Map<string, Tensor>();
    const meta: OptimizerMeta = { format: OPTIMIZER_STATE_FORMAT, optimizer: this.name, groups: [], state: {} };
    let index = 0;
    T.noGrad(() => {
      for (const g of this.paramGroups) {
        const ids: number[] = [];
        for (const p of g.params) {
          const s = this.state.get(p);
          if (s !== undefined) {
            const nums: { [name: string]: number } = {};
            for (const [k, v] of Object.entries(s)) {
              if (v === undefined) continue;
              if (typeof v === 'number') nums[k] = v;
              else tensors.set(`state.${index}.${k}`, v.clone());
            }
            meta.state[String(index)] = nums;
          }
          ids.push(index++);
        }
        const options: { [key: string]: JSONValue } = {};
        for (const [k, v] of Object.entries(g)) {
          if (k === 'params') continue;
          options[k] = Array.isArray(v) ? ([...v] as JSONValue[]) : (v as JSONValue);
        }
        meta.groups.push({ params: ids, options });
      }
    });
    return { tensors, meta };
  }

  /**
   * Restores a state dict from stateDict() (of an optimiser of the same kind over parameters of the
   * same shapes, in the same group layout): hyper-parameters (lr included), step counts and state
   * tensors (copied to each parameter's dtype and device). The given tensors are not taken over.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const { meta, tensors } = sd;
    if (!meta || meta.format !== OPTIMIZER_STATE_FORMAT) throw new Error(`loadStateDict: not a Fovea optimizer state (format ${String(meta?.format)})`);
    if (meta.optimizer !== this.name) throw new Error(`loadStateDict: state of a '${meta.optimizer}' optimizer, this is '${this.name}'`);
    if (meta.groups.length !== this.paramGroups.length) {
      throw new Error(`loadStateDict: state has ${meta.groups.length} parameter groups, optimizer has ${this.paramGroups.length}`);
    }
    meta.groups.forEach((sg, i) => {
      if (sg.params.length !== this.paramGroups[i].params.length) {
        throw new Error(`loadStateDict: group ${i} has ${sg.params.length} parameters in the state, ${this.paramGroups[i].params.length} in the optimizer`);
      }
    });
    const byIndex = new Map<number, Tensor>();
    this.paramGroups.forEach((g, gi) => g.params.forEach((p, j) => byIndex.set(meta.groups[gi].params[j], p)));
    // build everything before changing anything, so a bad state leaves the optimiser untouched
    const newState = new Map<Tensor, S>();
    const made: Tensor[] = [];
    try {
      T.noGrad(() => {
        for (const [idx, nums] of Object.entries(meta.state)) {
          const p = byIndex.get(Number(idx));
          if (p === undefined) throw new Error(`loadStateDict: state for unknown parameter index ${idx}`);
          newState.set(p, { ...nums } as unknown as S);
        }
        for (const [key, t] of tensors) {
          const m = /^state\.(\d+)\.(.+)$/.exec(key);
          if (!m) continue;
          const p = byIndex.get(Number(m[1]));
          if (p === undefined) throw new Error(`loadStateDict: tensor '${key}' names an unknown parameter`);
          if (t.shape.join(',') !== p.shape.join(',')) {
            throw new Error(`loadStateDict: '${key}' has shape [${t.shape.join(', ')}], its parameter [${p.shape.join(', ')}]`);
          }
          let s = newState.get(p);
          if (s === undefined) newState.set(p, (s = {} as S));
          const copy = T.keep(t.to({ dtype: p.dtype, device: p.device as T.Device, copy: true }));
          made.push(copy);
          (s as ParamState)[m[2]] = copy;
        }
      });
    } catch (e) {
      for (const t of made) t.dispose();
      throw e;
    }
    meta.groups.forEach((sg, i) => {
      const g = this.paramGroups[i] as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(sg.options)) g[k] = Array.isArray(v) ? [...v] : v;
    });
    this.disposeState();
    for (const [p, s] of newState) this.state.set(p, s);
  }

  /** Frees the state tensors (the optimiser starts afresh on the next step). */
  disposeState(): void {
    for (const s of this.state.values()) {
      for (const v of Object.values(s)) if (v !== undefined && typeof v !== 'number') v.dispose();
    }
    this.state.clear();
  }

  /** Frees the state tensors; the optimiser must not be used afterwards. */
  dispose(): void {
    this.disposeState();
  }
}

/** Metadata key under which saveOptimizerState stores the JSON part. */
export const OPTIMIZER_META_KEY = 'fovea.optimizer';

/**
 * The state dict in safetensors form: tensors under `prefix` plus string metadata (the JSON meta),
 * so it can share a file with model weights. Tensors are the caller's.
 */
export function optimizerStateToSafetensors(
  sd: OptimizerStateDict,
  prefix = '',
): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const tensors = new Map<string, Tensor>();
  for (const [k, v] of sd.tensors) tensors.set(prefix + k, v);
  return { tensors, metadata: { [OPTIMIZER_META_KEY + (prefix ? `:${prefix}` : '')]: JSON.stringify(sd.meta) } };
}

/** The inverse of optimizerStateToSafetensors (tensors are shared, not copied). */
export function optimizerStateFromSafetensors(
  contents: { tensors: Map<string, Tensor>; metadata: Record<string, string> },
  prefix = '',
): OptimizerStateDict {
  const raw = contents.metadata[OPTIMIZER_META_KEY + (prefix ? `:${prefix}` : '')];
  if (raw === undefined) throw new Error(`no optimizer state (metadata '${OPTIMIZER_META_KEY}') in the file`);
  const tensors = new Map<string, Tensor>();
  for (const [k, v] of contents.tensors) if (k.startsWith(prefix)) tensors.set(k.slice(prefix.length), v);
  return { tensors, meta: JSON.parse(raw) as OptimizerMeta };
}

/** Writes an optimiser's state to a safetensors file (atomically). */
export function saveOptimizerState(path: string, optimizer: Optimizer): void {
  const sd = optimizer.stateDict();
  try {
    const { tensors, metadata } = optimizerStateToSafetensors(sd);
    T.saveSafetensors(path, tensors, metadata);
  } finally {
    for (const t of sd.tensors.values()) t.dispose();
  }
}

/** Restores an optimiser's state from a file written by saveOptimizerState. */
export function loadOptimizerState(path: string, optimizer: Optimizer): void {
  const contents = T.loadSafetensors(path);
  try {
    optimizer.loadStateDict(optimizerStateFromSafetensors(contents));
  } finally {
    for (const t of contents.tensors.values()) t.dispose();
  }
}
