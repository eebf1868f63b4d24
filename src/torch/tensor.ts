// The Tensor class: a handle to a libtorch tensor plus the hand-written essentials (metadata,
// copies, autograd, disposal). Operators are generated (generated/ops.ts) and installed as
// methods by generated/methods.ts; the package entry point imports both.
import { native, type TensorHandle, type GeneratorHandle } from './native.js';
import { dtypeName, typedArrayOf, type DType, type TypedArray } from './dtype.js';
import { track, setTensorCheck } from './scope.js';

export type NestedArray = number | boolean | NestedArray[];

export class Tensor {
  /** The native handle. Use after dispose() throws. */
  readonly h: TensorHandle;
  private shapeCache: number[] | undefined;

  constructor(h: TensorHandle) {
    this.h = h;
    track(this);
  }

  /** Dimensions, e.g. [32, 3, 64, 64]. */
  get shape(): number[] {
    return (this.shapeCache ??= native.shape(this.h));
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get dtype(): DType {
    return dtypeName(native.dtype(this.h));
  }

  get device(): string {
    return native.device(this.h);
  }

  get strides(): number[] {
    return native.strides(this.h);
  }

  isContiguous(memoryFormat?: 'contiguous' | 'channels_last'): boolean {
    return native.isContiguous(this.h, memoryFormat === 'channels_last' ? 2 : 0);
  }

  /** Called after an in-place operator, which may change metadata. */
  invalidate(): void {
    this.shapeCache = undefined;
  }

  /** Frees the native tensor now (its storage goes when no other tensor shares it). */
  dispose(): void {
    native.dispose(this.h);
  }

  get isDisposed(): boolean {
    return native.isDisposed(this.h);
  }

  /** A copy of the elements in row-major order (float16/bfloat16 as raw 16-bit words, bool as 0/1). */
  data(): TypedArray {
    return typedArrayOf(this.dtype, native.toBuffer(this.h));
  }

  /** Elements as plain numbers (int64 converted with Number()). */
  dataNumbers(): number[] {
    const d = this.dtype;
    if (d === 'float16' || d === 'bfloat16') return Array.from(floatCopy(this).data() as Float32Array);
    const a = this.data();
    return a instanceof BigInt64Array ? Array.from(a, Number) : Array.from(a as ArrayLike<number>);
  }

  /**
   * A zero-copy view of a contiguous CPU tensor's memory. Writes go to the tensor; the view keeps
   * the storage alive even after dispose().
   */
  dataView(): TypedArray {
    return typedArrayOf(this.dtype, native.dataView(this.h));
  }

  /** Nested arrays of numbers (booleans for bool tensors). */
  toArray(): NestedArray {
    const flat = this.dataNumbers();
    const isBool = this.dtype === 'bool';
    const shape = this.shape;
    let pos = 0;
    const build = (dim: number): NestedArray => {
      if (dim === shape.length) {
        const v = flat[pos++];
        return isBool ? v !== 0 : v;
      }
      const out: NestedArray[] = [];
      for (let i = 0; i < shape[dim]; i++) out.push(build(dim + 1));
      return out;
    };
    return build(0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    const v = native.item(this.h);
    return typeof v === 'boolean' ? Number(v) : v;
  }

  // ---- autograd ----

  get requiresGrad(): boolean {
    return native.requiresGrad(this.h);
  }

  set requiresGrad(v: boolean) {
    native.setRequiresGrad(this.h, v);
  }

  /** Sets requiresGrad and returns this, for chaining. */
  requiresGrad_(v = true): this {
    native.setRequiresGrad(this.h, v);
    return this;
  }

  get isLeaf(): boolean {
    return native.isLeaf(this.h);
  }

  /** Name of the autograd node that made this tensor, or null for leaves. */
  get gradFn(): string | null {
    return native.gradFnName(this.h);
  }

  /** The accumulated gradient (a new handle sharing the gradient's memory), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.h);
    return g === null ? null : new Tensor(g);
  }

  set grad(g: Tensor | null) {
    native.setGrad(this.h, g === null ? null : g.h);
  }

  /** Computes gradients of this tensor (a scalar, or any shape with `gradient`) into leaves' .grad. */
  backward(gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward([this.h], gradient ? [gradient.h] : null, opts.retainGraph, opts.createGraph ?? false);
  }

  get isInference(): boolean {
    return native.isInferenceTensor(this.h);
  }

  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    const shape = this.shape;
    const head = `Tensor(shape=[${shape.join(', ')}], dtype=${this.dtype}, device=${this.device}${this.requiresGrad ? ', requiresGrad' : ''})`;
    if (this.size > 64) return head;
    return `${head} ${JSON.stringify(this.toArray())}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** A seeded random generator, passed to random operators as `{ generator }`. */
export class Generator {
  readonly h: GeneratorHandle;

  constructor(seed?: number) {
    this.h = native.newGenerator(seed);
  }

  manualSeed(seed: number): this {
    native.generatorSeed(this.h, seed);
    return this;
  }

  /** Generator state as a uint8 tensor (for checkpoints). */
  getState(): Tensor {
    return new Tensor(native.generatorGetState(this.h));
  }

  setState(state: Tensor): void {
    native.generatorSetState(this.h, state.h);
  }
}

export function wrap(h: TensorHandle): Tensor {
  return new Tensor(h);
}

/** The handle of a Tensor argument; a TypeError naming the argument for anything else. */
export function th(t: Tensor, label = 'argument'): TensorHandle {
  if (!(t instanceof Tensor)) {
    const what = t === null ? 'null' : t === undefined ? 'undefined' : Array.isArray(t) ? 'an array' : typeof t;
    throw new TypeError(`${label} expects a tensor, got ${what}`);
  }
  return t.h;
}

export function handles(ts: readonly Tensor[], label = 'argument'): TensorHandle[] {
  if (!Array.isArray(ts)) throw new TypeError(`${label} expects an array of tensors`);
  return ts.map((t, i) => th(t, `${label} (item ${i})`));
}

export function optionalHandles(ts: readonly (Tensor | null)[], label = 'argument'): (TensorHandle | null)[] {
  if (!Array.isArray(ts)) throw new TypeError(`${label} expects an array of tensors or nulls`);
  return ts.map((t, i) => (t === null ? null : th(t, `${label} (item ${i})`)));
}

function floatCopy(t: Tensor): Tensor {
  // Late-bound to avoid a module cycle: `to` is a generated method.
  return (t as unknown as { to(d: DType): Tensor }).to('float32');
}

setTensorCheck((v: unknown): v is Tensor => v instanceof Tensor);
