// Finite-difference gradient check in float64 (torch.autograd.gradcheck).
import { Tensor } from './tensor.js';
import { noGrad, grad } from './autograd.js';
import { fromTypedArray } from './creation.js';
import { tidy } from './scope.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytical - numerical| over all inputs and elements. */
  maxAbsError: number;
  /** Where the largest violation was: input index, element, both values. */
  worst?: { input: number; element: number; output: number; analytical: number; numerical: number };
}

/**
 * Compares autograd's Jacobian of fn at the given float64 inputs with central differences.
 * Inputs that should be checked must have requiresGrad set; fn must return one tensor.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], o: GradcheckOptions = {}): GradcheckResult {
  const eps = o.eps ?? 1e-6;
  const atol = o.atol ?? 1e-5;
  const rtol = o.rtol ?? 1e-3;
  for (const [i, x] of inputs.entries()) {
    if (x.dtype !== 'float64') throw new TypeError(`gradcheck(): input ${i} is ${x.dtype}; use float64 inputs`);
  }
  const checked = inputs.map((x, i) => (x.requiresGrad ? i : -1)).filter((i) => i >= 0);
  const result: GradcheckResult = { ok: true, maxAbsError: 0 };
  tidy(() => {
    const out = fn(...inputs);
    const nOut = out.size;
    const outShape = out.shape;
    // analytical: one backward per output element
    const analytical: Float64Array[][] = checked.map((i) => [] as Float64Array[]);
    for (let j = 0; j < nOut; j++) {
      const seed = new Float64Array(nOut);
      seed[j] = 1;
      const gs = grad(out, checked.map((i) => inputs[i]), {
        gradOutputs: [fromTypedArray(seed, outShape)],
        retainGraph: true,
        allowUnused: true,
      });
      gs.forEach((g, k) => {
        analytical[k].push(g ? (g.data() as Float64Array) : new Float64Array(inputs[checked[k]].size));
      });
    }
    // numerical: perturb each element of each checked input
    checked.forEach((i, k) => {
      const base = inputs[i].data() as Float64Array;
      const shape = inputs[i].shape;
      const evalAt = (delta: number, e: number): Float64Array =>
        noGrad(() =>
          tidy(() => {
            const v = Float64Array.from(base);
            v[e] += delta;
            const args = inputs.map((x, m) => (m === i ? fromTypedArray(v, shape) : x));
            return fn(...args).data() as Float64Array;
          }),
        );
      for (let e = 0; e < base.length; e++) {
        const plus = evalAt(eps, e);
        const minus = evalAt(-eps, e);
        for (let j = 0; j < nOut; j++) {
          const num = (plus[j] - minus[j]) / (2 * eps);
          const ana = analytical[k][j][e];
          const err = Math.abs(num - ana);
          if (err > result.maxAbsError) result.maxAbsError = err;
          if (err > atol + rtol * Math.abs(num) && result.ok) {
            result.ok = false;
            result.worst = { input: i, element: e, output: j, analytical: ana, numerical: num };
          }
        }
      }
    });
  });
  return result;
}
