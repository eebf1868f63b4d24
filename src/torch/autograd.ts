// Grad-mode scopes and functional autograd.
import { native } from './native.js';
import { Tensor, wrap } from './tensor.js';

/** Runs fn with gradient recording off (PyTorch's torch.no_grad()). Works with async fn too. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with gradient recording on, e.g. inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = native.setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

export function setGradEnabled(enabled: boolean): boolean {
  return native.setGradEnabled(enabled);
}

/**
 * Runs a synchronous fn in inference mode (faster than noGrad; tensors made inside can never
 * join autograd later).
 */
export function inferenceMode<T>(fn: () => T): T {
  native.enterInferenceMode();
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('inferenceMode() takes a synchronous function');
    return r;
  } finally {
    native.exitInferenceMode();
  }
}

export interface GradOptions {
  gradOutputs?: (Tensor | null)[];
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** Gradients of outputs with respect to inputs, without touching .grad (torch.autograd.grad). */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const g = native.autogradGrad(
    outs.map((t) => t.h),
    ins.map((t) => t.h),
    opts.gradOutputs ? opts.gradOutputs.map((t) => (t ? t.h : null)) : null,
    opts.retainGraph,
    opts.createGraph ?? false,
    opts.allowUnused ?? false,
  );
  return g.map((h) => (h === null ? null : wrap(h)));
}

/** Backward from several outputs at once. */
export function backward(outputs: Tensor[], grads?: (Tensor | null)[], opts: { retainGraph?: boolean } = {}): void {
  native.backward(
    outputs.map((t) => t.h),
    grads ? grads.map((t) => (t ? t.h : null)) : null,
    opts.retainGraph,
    false,
  );
}
