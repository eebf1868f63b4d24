// Splits an arbitrary state value (optimiser, schedule, callback state) into JSON plus a flat
// map of named tensors, and back. Tensors, Maps, typed arrays and non-finite numbers survive.
import * as T from '../torch/index.js';
import { Tensor } from '../torch/index.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Replaces tensors in `value` by references into `tensors` (keys `${prefix}.${n}`). */
export function packState(value: unknown, prefix: string, tensors: Map<string, Tensor>): Json {
  const visit = (v: unknown): Json => {
    if (v instanceof Tensor) {
      const key = `${prefix}.${tensors.size}`;
      tensors.set(key, v);
      return { __tensor__: key };
    }
    if (v === undefined) return { __undefined__: true };
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : { __num__: String(v) };
    if (typeof v === 'bigint') return { __bigint__: v.toString() };
    if (Array.isArray(v)) return v.map(visit);
    if (v instanceof Map) return { __map__: [...v.entries()].map(([k, x]) => [visit(k), visit(x)]) };
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      return { __typed__: v.constructor.name, data: Array.from(v as unknown as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? x.toString() : x)) };
    }
    if (typeof v === 'object') {
      const out: { [k: string]: Json } = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = visit(x);
      return out;
    }
    throw new TypeError(`packState(): cannot store a ${typeof v}`);
  };
  return visit(value);
}

const TYPED: Record<string, (d: unknown[]) => ArrayBufferView> = {
  Float32Array: (d) => Float32Array.from(d as number[]),
  Float64Array: (d) => Float64Array.from(d as number[]),
  Int32Array: (d) => Int32Array.from(d as number[]),
  Uint8Array: (d) => Uint8Array.from(d as number[]),
  Int16Array: (d) => Int16Array.from(d as number[]),
  Int8Array: (d) => Int8Array.from(d as number[]),
  Uint16Array: (d) => Uint16Array.from(d as number[]),
  Uint32Array: (d) => Uint32Array.from(d as number[]),
  BigInt64Array: (d) => BigInt64Array.from(d as string[], (x) => BigInt(x)),
};

/** Inverse of packState. Tensors are taken from `tensors` (not copied). */
export function unpackState(json: unknown, tensors: Map<string, Tensor>): unknown {
  const visit = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(visit);
    const o = v as Record<string, unknown>;
    if ('__tensor__' in o) {
      const t = tensors.get(String(o.__tensor__));
      if (!t) throw new Error(`checkpoint: tensor '${String(o.__tensor__)}' is missing`);
      return t;
    }
    if ('__undefined__' in o) return undefined;
    if ('__num__' in o) return Number(o.__num__);
    if ('__bigint__' in o) return BigInt(String(o.__bigint__));
    if ('__map__' in o) return new Map((o.__map__ as unknown[][]).map(([k, x]) => [visit(k), visit(x)]));
    if ('__typed__' in o) return TYPED[String(o.__typed__)]!(o.data as unknown[]);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = visit(x);
    return out;
  };
  return visit(json);
}

/** Copies of tensors (detached), for states that must outlive the module's own tensors. */
export function cloneTensors(m: Map<string, Tensor>): Map<string, Tensor> {
  return T.noGrad(() => new Map([...m].map(([k, t]) => [k, T.keep(t.detach().clone())])));
}
