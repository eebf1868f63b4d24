// Weight constraints as Keras defines them, applied after each optimiser step. Norms run over every
// dimension except the output-channel one of the PyTorch layout (Keras's default axes).
import { noGrad, tidy, type Tensor } from '../torch/index.js';
import type { Module } from './module.js';

/** Serialised form: 'max_norm' | 'non_neg' | 'unit_norm' | 'min_max_norm' or {type, ...}. */
export type ConstraintConfig = string | { type: string; maxValue?: number; minValue?: number; rate?: number; axis?: number[] };

const EPS = 1e-7;

export interface Constraint {
  /** Projects w (PyTorch layout; output channels on dim outDim) and returns the new values. */
  apply(w: Tensor, outDim: number): Tensor;
  toConfig(): ConstraintConfig;
}

function normDims(w: Tensor, outDim: number, axis?: number[]): number[] {
  if (axis) return axis;
  const dims = [...Array(w.ndim).keys()].filter((d) => d !== outDim);
  return dims.length ? dims : [0];
}

function norms(w: Tensor, dims: number[]): Tensor {
  return w.square().sum(dims, { keepdim: true }).sqrt();
}

export function maxNorm(maxValue = 2, axis?: number[]): Constraint {
  return {
    apply: (w, outDim) => {
      const n = norms(w, normDims(w, outDim, axis));
      return w.mul(n.clamp({ min: 0, max: maxValue }).div(n.add(EPS)));
    },
    toConfig: () => ({ type: 'max_norm', maxValue, ...(axis ? { axis } : {}) }),
  };
}

export function minMaxNorm(minValue = 0, maxValue = 1, rate = 1, axis?: number[]): Constraint {
  return {
    apply: (w, outDim) => {
      const n = norms(w, normDims(w, outDim, axis));
      const desired = n.clamp({ min: minValue, max: maxValue }).mul(rate).add(n.mul(1 - rate));
      return w.mul(desired.div(n.add(EPS)));
    },
    toConfig: () => ({ type: 'min_max_norm', minValue, maxValue, rate, ...(axis ? { axis } : {}) }),
  };
}

export function unitNorm(axis?: number[]): Constraint {
  return {
    apply: (w, outDim) => w.div(norms(w, normDims(w, outDim, axis)).add(EPS)),
    toConfig: () => (axis ? { type: 'unit_norm', axis } : 'unit_norm'),
  };
}

export function nonNeg(): Constraint {
  return {
    apply: (w) => w.clampMin(0),
    toConfig: () => 'non_neg',
  };
}

export const CONSTRAINT_NAMES: readonly string[] = ['max_norm', 'min_max_norm', 'non_neg', 'unit_norm'];

export function getConstraint(cfg: ConstraintConfig | null | undefined): Constraint | null {
  if (cfg === null || cfg === undefined) return null;
  const o = typeof cfg === 'string' ? { type: cfg } : cfg;
  const c = o as { type: string; maxValue?: number; minValue?: number; rate?: number; axis?: number[] };
  switch (c.type) {
    case 'max_norm':
      return maxNorm(c.maxValue ?? 2, c.axis);
    case 'min_max_norm':
      return minMaxNorm(c.minValue ?? 0, c.maxValue ?? 1, c.rate ?? 1, c.axis);
    case 'unit_norm':
      return unitNorm(c.axis);
    case 'non_neg':
      return nonNeg();
    default:
      throw new Error(`unknown constraint '${String(c.type)}'; allowed: ${CONSTRAINT_NAMES.join(', ')}`);
  }
}

/** A module holding constrained weights (Layer implements it). */
export interface Constrained {
  constrainedWeights(): { weight: Tensor; constraint: Constraint; outDim: number }[];
}

function isConstrained(m: Module): m is Module & Constrained {
  return typeof (m as Partial<Constrained>).constrainedWeights === 'function';
}

/** Projects every constrained weight in place (call after each optimiser step). */
export function applyConstraints(model: Module): void {
  noGrad(() =>
    tidy(() => {
      for (const [, m] of model.namedModules()) {
        if (!isConstrained(m)) continue;
        for (const { weight, constraint, outDim } of m.constrainedWeights()) weight.copy_(constraint.apply(weight, outDim));
      }
    }),
  );
}
