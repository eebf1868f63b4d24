// Gradient clipping over a parameter list, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_.
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export type GradClip = number | { maxNorm?: number; value?: number; normType?: number };

/** Scales gradients in place so their joint p-norm is at most maxNorm; returns the norm before. */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number, normType = 2): number {
  return T.tidy(() => {
    const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
    if (grads.length === 0) return 0;
    // norm over all dims, named explicitly (the generated norm() always takes the dim overload)
    const norms = T.stack(grads.map((g) => g.reshape([-1]).norm(normType, 0)));
    const total = normType === Infinity ? norms.max().item() : norms.norm(normType, 0).item();
    const coef = maxNorm / (total + 1e-6);
    if (coef < 1) T.noGrad(() => grads.forEach((g) => g.mul_(coef)));
    return total;
  });
}

/** Clamps every gradient element into [-value, value] in place. */
export function clipGradValue(params: readonly Tensor[], value: number): void {
  T.tidy(() =>
    T.noGrad(() => {
      for (const p of params) p.grad?.clamp_({ min: -value, max: value });
    }),
  );
}

export function applyGradClip(params: readonly Tensor[], clip: GradClip): void {
  const c = typeof clip === 'number' ? { maxNorm: clip } : clip;
  if (c.value !== undefined) clipGradValue(params, c.value);
  if (c.maxNorm !== undefined) clipGradNorm(params, c.maxNorm, c.normType ?? 2);
}
