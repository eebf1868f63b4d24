// Weight and activity regularisers as Keras defines them: L1 = l1·Σ|w|, L2 = l2·Σw² (no ½),
// L1L2 both. regularizationLoss(model) sums every layer's terms for the fit loop.
import type { Tensor } from '../torch/index.js';
import type { Module } from './module.js';

/** Serialised form: 'l1' | 'l2' | 'l1_l2' (Keras defaults 0.01) or {l1?, l2?}. */
export type RegularizerConfig = string | { l1?: number; l2?: number };

export class Regularizer {
  constructor(
    readonly l1: number,
    readonly l2: number,
  ) {
    if (!(l1 >= 0 && l2 >= 0)) throw new RangeError(`regularizer factors must be >= 0, got l1=${l1}, l2=${l2}`);
  }

  /** The penalty of w, a scalar tensor on w's device (part of the autograd graph). */
  penalty(w: Tensor): Tensor {
    let out: Tensor | null = null;
    if (this.l1 > 0) out = w.abs().sum().mul(this.l1);
    if (this.l2 > 0) {
      const t = w.square().sum().mul(this.l2);
      out = out ? out.add(t) : t;
    }
    return out ?? w.sum().mul(0);
  }

  toConfig(): RegularizerConfig {
    const o: { l1?: number; l2?: number } = {};
    if (this.l1 > 0) o.l1 = this.l1;
    if (this.l2 > 0) o.l2 = this.l2;
    return o;
  }
}

export function l1(factor = 0.01): Regularizer {
  return new Regularizer(factor, 0);
}

export function l2(factor = 0.01): Regularizer {
  return new Regularizer(0, factor);
}

export function l1l2(o: { l1?: number; l2?: number } = {}): Regularizer {
  return new Regularizer(o.l1 ?? 0, o.l2 ?? 0);
}

export function getRegularizer(cfg: RegularizerConfig | null | undefined): Regularizer | null {
  if (cfg === null || cfg === undefined) return null;
  if (typeof cfg === 'string') {
    if (cfg === 'l1') return l1();
    if (cfg === 'l2') return l2();
    if (cfg === 'l1_l2' || cfg === 'l1l2') return new Regularizer(0.01, 0.01);
    throw new Error(`unknown regularizer '${cfg}'; allowed: 'l1', 'l2', 'l1_l2' or {l1, l2}`);
  }
  if (typeof cfg !== 'object') throw new TypeError(`regularizer must be a name or {l1, l2}, got ${JSON.stringify(cfg)}`);
  const extra = Object.keys(cfg).filter((k) => k !== 'l1' && k !== 'l2' && k !== 'type');
  if (extra.length) throw new Error(`unknown regularizer key(s) ${extra.join(', ')}; allowed: l1, l2`);
  return new Regularizer(cfg.l1 ?? 0, cfg.l2 ?? 0);
}

/** A module that contributes penalty terms (Layer implements it). */
export interface Regularized {
  /** Kernel/bias penalties plus the activity penalty of the last forward pass. */
  regularizationTerms(): Tensor[];
}

function isRegularized(m: Module): m is Module & Regularized {
  return typeof (m as Partial<Regularized>).regularizationTerms === 'function';
}

/** Sum of every layer's weight penalties and last-forward activity penalties, or null if none. */
export function regularizationLoss(model: Module): Tensor | null {
  let total: Tensor | null = null;
  for (const [, m] of model.namedModules()) {
    if (!isRegularized(m)) continue;
    for (const t of m.regularizationTerms()) total = total ? total.add(t) : t;
  }
  return total;
}
