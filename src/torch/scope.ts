// Memory scopes: tidy(fn) frees every tensor created inside fn except what fn returns or keep()s,
// like TF.js tidy. Tensors made outside any scope live until dispose() (or, as a safety net,
// until the garbage collector finalises their native handle).
import type { Tensor } from './tensor.js';

const stack: Set<Tensor>[] = [];
const kept = new WeakSet<Tensor>();

/** Registers a new tensor with the innermost scope (called by the Tensor constructor). */
export function track(t: Tensor): void {
  const top = stack[stack.length - 1];
  if (top !== undefined) top.add(t);
}

/** Marks a tensor so that no enclosing tidy() disposes it. Returns it. */
export function keep<T extends Tensor>(t: T): T {
  kept.add(t);
  for (const s of stack) s.delete(t);
  return t;
}

const adopted = new WeakSet<Tensor>();

/** Whether someone asked to keep the tensor beyond its scope (keep() or adopt()): not free to dispose early. */
export function isHeld(t: Tensor): boolean {
  return kept.has(t) || adopted.has(t);
}

/**
 * Whether t was made inside the innermost tidy() scope and nobody asked to keep it: an
 * intermediate of the code running now, which that code may overwrite in place (inputs from
 * outside the scope, kept and adopted tensors are not).
 */
export function isScopeLocal(t: Tensor): boolean {
  const top = stack[stack.length - 1];
  return top !== undefined && top.has(t) && !isHeld(t);
}

/** An enclosing tidy() scope, as returned by currentScope() (opaque). */
export interface ScopeHandle {
  readonly scope: Set<Tensor> | null;
}

/** The innermost tidy() scope (null outside any), for adopt(). */
export function currentScope(): ScopeHandle {
  return { scope: stack[stack.length - 1] ?? null };
}

/**
 * Moves a tensor into an enclosing scope taken earlier with currentScope(): tidy() scopes opened
 * since then leave it alone, and that scope frees it at its end unless it is returned (outside any
 * scope: as keep()). Forward hooks use it to hand out a layer's output from inside a model whose
 * blocks tidy their intermediates.
 */
export function adopt<T extends Tensor>(into: ScopeHandle, t: T): T {
  adopted.add(t);
  for (const s of stack) s.delete(t);
  if (into.scope) into.scope.add(t);
  else kept.add(t);
  return t;
}

/**
 * Frees a layer chain's intermediate once the next step has consumed it (as Python's reference
 * counting does in PyTorch; autograd keeps what backward needs): unless it is one of `inUse` (the
 * caller's input, the step's output, which may be the same tensor), someone kept or adopted it,
 * or it is already gone.
 */
export function disposeConsumed(t: Tensor, ...inUse: Tensor[]): void {
  if (!inUse.includes(t) && !isHeld(t) && !t.isDisposed) t.dispose();
}

/** Tensors reachable from a value through arrays, Maps, Sets and plain objects. */
export function collectTensors(value: unknown, into: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  const seen = new Set<unknown>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (isTensor(v)) {
      into.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x);
    } else if (v instanceof Map) {
      for (const x of v.values()) visit(x);
    } else if (v instanceof Set) {
      for (const x of v) visit(x);
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      for (const x of Object.values(v)) visit(x);
    }
  };
  visit(value);
}

let isTensorFn: ((v: unknown) => v is Tensor) | undefined;
export function setTensorCheck(f: (v: unknown) => v is Tensor): void {
  isTensorFn = f;
}

/**
 * Runs a synchronous fn; afterwards disposes the tensors it created, except those in its result
 * and those passed to keep(). Tensors in the result move to the enclosing scope.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    throw new TypeError('tidy() takes a synchronous function; await outside it and tidy each step');
  }
  const out = new Set<Tensor>();
  collectTensors(result, out, isTensorFn!);
  const parent = stack[stack.length - 1];
  for (const t of scope) {
    if (out.has(t)) parent?.add(t);
    else if (!kept.has(t)) t.dispose();
  }
  return result;
}

/** Disposes every tensor reachable from value (arrays, Maps, objects). */
export function dispose(value: unknown): void {
  const ts = new Set<Tensor>();
  collectTensors(value, ts, isTensorFn!);
  for (const t of ts) t.dispose();
}
