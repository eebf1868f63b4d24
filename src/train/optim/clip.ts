// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_. Gradients are changed
// in place; parameters without a gradient (or with requiresGrad false) are skipped.
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite (PyTorch's error_if_nonfinite). */
  errorIfNonfinite?: boolean;
}

function gradsOf(params: Iterable<Tensor>): Tensor[] {
  const out: Tensor[] = [];
  for (const p of params) {
    if (!p.requiresGrad) continue;
    const g = p.grad;
    if (g !== null) out.push(g);
  }
  return out;
}

/**
 * Scales all gradients together so that their joint p-norm (as if concatenated into one vector) is
 * at most maxNorm: g *= min(1, maxNorm / (total + 1e-6)). Returns the total norm before clipping.
 * normType may be Infinity (or 'inf') for the max-abs norm.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, normType: number | 'inf' = 2, opts: ClipGradNormOptions = {}): number {
  const p = normType === 'inf' ? Infinity : Number(normType);
  return T.noGrad(() =>
    T.tidy(() => {
      const grads = gradsOf(params);
      if (grads.length === 0) return 0;
      let total: Tensor;
      if (p === Infinity) {
        const norms = grads.map((g) => g.abs().max());
        total = norms.length === 1 ? norms[0] : T.stack(norms).max();
      } else {
        const norms = grads.map((g) => T.norm(g.reshape([-1]), p, [0]));
        total = T.norm(T.stack(norms), p, [0]);
      }
      const value = total.item();
      if (opts.errorIfNonfinite && !Number.isFinite(value)) {
        throw new Error(`clipGradNorm: the total norm of order ${p} of the gradients is non-finite (${value}), so it cannot be clipped`);
      }
      // the same float32 arithmetic as PyTorch: max_norm / (total + 1e-6), clamped to 1
      const coef = T.add(total, 1e-6).reciprocal().mul(maxNorm).clamp({ max: 1 });
      for (const g of grads) g.mul_(coef);
      return value;
    }),
  );
}

/** Clamps every gradient element to [-clip, clip]. */
export function clipGradValue(params: Iterable<Tensor>, clip: number): void {
  T.noGrad(() =>
    T.tidy(() => {
      for (const g of gradsOf(params)) g.clamp_({ min: -clip, max: clip });
    }),
  );
}
