// Weight initialisers as Keras defines them, drawing from libtorch's default generator
// (T.manualSeed fixes them). Fans are computed from the Keras kernel shape, which each layer
// passes explicitly because PyTorch layouts differ (see kerasFans).
import * as T from '../torch/index.js';
import { noGrad, type Tensor } from '../torch/index.js';
import type { JsonValue } from './config.js';

export type InitializerConfig = string | { type: string; [k: string]: JsonValue };

export interface Fans {
  fanIn: number;
  fanOut: number;
}

/** Keras's _compute_fans over a Keras-layout kernel shape, e.g. conv (kh, kw, in, out). */
export function kerasFans(kerasShape: readonly number[]): Fans {
  const s = kerasShape;
  if (s.length === 0) return { fanIn: 1, fanOut: 1 };
  if (s.length === 1) return { fanIn: s[0], fanOut: s[0] };
  if (s.length === 2) return { fanIn: s[0], fanOut: s[1] };
  const rf = s.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: s[s.length - 2] * rf, fanOut: s[s.length - 1] * rf };
}

type Init = (shape: number[], fans: Fans) => Tensor;

// std of a standard normal truncated at ±2, as Keras divides by for truncated variance scaling
const TRUNC_STD = 0.8796256610342398;

function num(o: Record<string, JsonValue>, k: string, def: number): number {
  const v = o[k];
  if (v === undefined) return def;
  if (typeof v !== 'number') throw new TypeError(`initializer option '${k}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function uniform(shape: number[], lo: number, hi: number): Tensor {
  return T.empty(shape).uniform_({ from: lo, to: hi });
}

/** Normal(mean, std) truncated at mean ± 2 std by resampling (Keras TruncatedNormal). */
export function truncatedNormal(shape: number[], mean: number, std: number): Tensor {
  let z = T.randn(shape);
  for (let i = 0; i < 100; i++) {
    const bad = z.abs().gt(2);
    if (!bad.any().item()) {
      bad.dispose();
      break;
    }
    const fresh = T.randn(shape);
    const next = T.where(bad, fresh, z);
    bad.dispose();
    fresh.dispose();
    z.dispose();
    z = next;
  }
  const out = z.mul(std).add(mean);
  z.dispose();
  return out;
}

function varianceScaling(scale: number, mode: string, distribution: string): Init {
  return (shape, { fanIn, fanOut }) => {
    const n = mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : mode === 'fan_avg' ? (fanIn + fanOut) / 2 : NaN;
    if (Number.isNaN(n)) throw new Error(`variance_scaling mode must be fan_in, fan_out or fan_avg, got '${mode}'`);
    const v = scale / Math.max(1, n);
    if (distribution === 'truncated_normal') return truncatedNormal(shape, 0, Math.sqrt(v) / TRUNC_STD);
    if (distribution === 'untruncated_normal' || distribution === 'normal') return T.randn(shape).mul(Math.sqrt(v));
    if (distribution === 'uniform') return uniform(shape, -Math.sqrt(3 * v), Math.sqrt(3 * v));
    throw new Error(`variance_scaling distribution must be truncated_normal, untruncated_normal or uniform, got '${distribution}'`);
  };
}

/** Orthogonal rows/columns over [shape[0], prod(rest)] (as torch.nn.init.orthogonal_), times gain. */
function orthogonal(gain: number): Init {
  return (shape) => {
    const rows = shape[0] ?? 1;
    const cols = shape.slice(1).reduce((a, b) => a * b, 1);
    const [m, n] = rows < cols ? [cols, rows] : [rows, cols]; // m >= n: orthonormal columns of an m×n
    const g = T.randn([m, n]);
    const a = Float64Array.from(g.dataNumbers());
    g.dispose();
    const q = new Float64Array(m * n);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < m; i++) q[i * n + j] = a[i * n + j];
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[i * n + k] * q[i * n + j];
        for (let i = 0; i < m; i++) q[i * n + j] -= dot * q[i * n + k];
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += q[i * n + j] ** 2;
      norm = Math.sqrt(norm);
      // Gram–Schmidt gives R a positive diagonal: the same Q as Keras's QR times sign(diag(R))
      for (let i = 0; i < m; i++) q[i * n + j] /= norm || 1;
    }
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (rows < cols ? q[j * n + i] : q[i * n + j]);
    }
    return T.fromTypedArray(out, shape);
  };
}

function resolve(cfg: InitializerConfig): Init {
  const o: Record<string, JsonValue> = typeof cfg === 'string' ? { type: cfg } : cfg;
  const type = String(o.type);
  switch (type) {
    case 'zeros':
      return (s) => T.zeros(s);
    case 'ones':
      return (s) => T.ones(s);
    case 'constant':
      return (s) => T.full(s, num(o, 'value', 0), { dtype: 'float32' });
    case 'random_normal':
      return (s) => T.randn(s).mul(num(o, 'stddev', 0.05)).add(num(o, 'mean', 0));
    case 'random_uniform':
      return (s) => uniform(s, num(o, 'minval', -0.05), num(o, 'maxval', 0.05));
    case 'truncated_normal':
      return (s) => truncatedNormal(s, num(o, 'mean', 0), num(o, 'stddev', 0.05));
    case 'glorot_uniform':
      return varianceScaling(1, 'fan_avg', 'uniform');
    case 'glorot_normal':
      return varianceScaling(1, 'fan_avg', 'truncated_normal');
    case 'he_uniform':
      return varianceScaling(2, 'fan_in', 'uniform');
    case 'he_normal':
      return varianceScaling(2, 'fan_in', 'truncated_normal');
    case 'lecun_uniform':
      return varianceScaling(1, 'fan_in', 'uniform');
    case 'lecun_normal':
      return varianceScaling(1, 'fan_in', 'truncated_normal');
    case 'variance_scaling': {
      const mode = typeof o.mode === 'string' ? o.mode : 'fan_in';
      const dist = typeof o.distribution === 'string' ? o.distribution : 'truncated_normal';
      return varianceScaling(num(o, 'scale', 1), mode, dist);
    }
    case 'orthogonal':
      return orthogonal(num(o, 'gain', 1));
    default:
      throw new Error(`unknown initializer '${type}'; allowed: ${INITIALIZER_NAMES.join(', ')}`);
  }
}

export const INITIALIZER_NAMES: readonly string[] = [
  'zeros', 'ones', 'constant', 'random_normal', 'random_uniform', 'truncated_normal', 'glorot_uniform', 'glorot_normal',
  'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal', 'variance_scaling', 'orthogonal',
];

/** Checks a config early (at layer construction) so errors name the layer's option. */
export function checkInitializer(cfg: InitializerConfig): void {
  resolve(cfg);
}

/** A new float32 leaf tensor initialised by cfg; fans from the Keras kernel shape. */
export function initTensor(cfg: InitializerConfig, shape: number[], fans: Fans = kerasFans(shape)): Tensor {
  const init = resolve(cfg);
  return noGrad(() => T.tidy(() => T.keep(init(shape, fans).detach().contiguous())));
}
