// Keras/TensorFlow 'same' and 'valid' padding arithmetic, including the asymmetric case (TF pads
// the extra row/column at the bottom/right), so output sizes and values match Keras exactly.
import { F, type Tensor } from '../../torch/index.js';

export type Padding = 'same' | 'valid';

export function checkPadding(p: unknown, layer: string): Padding {
  if (p !== 'same' && p !== 'valid') throw new Error(`${layer}: padding must be 'same' or 'valid', got ${JSON.stringify(p)}`);
  return p;
}

/** Output length of a conv/pool window along one dim. */
export function windowOut(size: number, k: number, s: number, d: number, padding: Padding): number {
  if (padding === 'same') return Math.ceil(size / s);
  return Math.floor((size - d * (k - 1) - 1) / s) + 1;
}

/** TF's 'same' pads along one dim: [before, after]. */
export function samePads(size: number, k: number, s: number, d: number): [number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + d * (k - 1) + 1 - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * Resolves 'same' for an NCHW input: symmetric pads come back as the op's own padding, asymmetric
 * ones are applied with F.pad (value: 0 for conv/avg, -Infinity for max pooling).
 */
export function applyPadding(
  x: Tensor,
  padding: Padding,
  k: [number, number],
  s: [number, number],
  d: [number, number],
  value = 0,
): { x: Tensor; pad: [number, number] } {
  if (padding === 'valid') return { x, pad: [0, 0] };
  const [t, b] = samePads(x.shape[2], k[0], s[0], d[0]);
  const [l, r] = samePads(x.shape[3], k[1], s[1], d[1]);
  if (t === b && l === r) return { x, pad: [t, l] };
  return { x: F.pad(x, [l, r, t, b], { value }), pad: [0, 0] };
}
