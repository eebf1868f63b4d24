// Shared helpers for the nn tests.
import * as T from '../../src/torch/index.js';
import type { Layer, Shape } from '../../src/nn/index.js';

/** Builds a layer for an input shape and returns [outputShape, total params incl. counted buffers, trainable]. */
export function built(layer: Layer, inputShape: Shape): { out: Shape; params: number; trainable: number } {
  layer.build([inputShape]);
  const y = T.tidy(() => layer.eval().call(T.randn([2, ...inputShape])).shape.slice(1));
  const trainable = layer.parameters().filter((p) => p.requiresGrad).reduce((a, p) => a + p.size, 0);
  const params = layer.parameters().reduce((a, p) => a + p.size, 0) + layer.countedBuffers().reduce((a, b) => a + b.size, 0);
  return { out: y, params, trainable };
}

export function close(a: number, b: number, tol = 1e-5): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}
