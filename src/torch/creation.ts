// Tensor creation from JavaScript data. Shaped factories (zeros, ones, rand, ...) are generated.
import { native } from './native.js';
import { Tensor, type NestedArray } from './tensor.js';
import { dtypeCode, dtypeOfTypedArray, type DType, type Device } from './dtype.js';

export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], dim: number, out: (number | boolean)[], path: string): void {
  if (dim === shape.length) {
    if (Array.isArray(data)) throw new TypeError(`tensor(): ragged nested array at ${path}: expected a number`);
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      throw new TypeError(`tensor(): element at ${path} is ${typeof data}, expected a number or boolean`);
    }
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new TypeError(`tensor(): ragged nested array at ${path}: expected ${shape[dim]} elements`);
  }
  data.forEach((d, i) => flatten(d, shape, dim + 1, out, `${path}[${i}]`));
}

function typedFor(values: (number | boolean)[], dtype: DType): ArrayBufferView {
  switch (dtype) {
    case 'float64':
      return Float64Array.from(values, Number);
    case 'int64':
      return BigInt64Array.from(values, (v) => BigInt(Math.trunc(Number(v))));
    case 'int32':
      return Int32Array.from(values, Number);
    case 'int16':
      return Int16Array.from(values, Number);
    case 'int8':
      return Int8Array.from(values, Number);
    case 'uint8':
      return Uint8Array.from(values, Number);
    case 'bool':
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
    default:
      return Float32Array.from(values, Number);
  }
}

function finish(t: Tensor, opts: TensorOptions, built: DType): Tensor {
  let out = t;
  if ((opts.dtype && opts.dtype !== built) || (opts.device && opts.device !== 'cpu')) {
    out = out.to({ dtype: opts.dtype, device: opts.device });
    t.dispose();
  }
  if (opts.requiresGrad) out.requiresGrad = true;
  return out;
}

/**
 * A tensor from nested arrays or a typed array. Numbers default to float32 (JavaScript has no
 * separate integer type), booleans to bool; pass { dtype } for anything else.
 */
export function tensor(data: NestedArray | ArrayBufferView, opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const dtype = opts.dtype ?? dtypeOfTypedArray(data);
    const shape = opts.shape ?? [data.byteLength / bytesPer(data)];
    return fromTypedArray(data, shape, { ...opts, dtype });
  }
  const shape = opts.shape ? [...opts.shape] : inferShape(data);
  const flat: (number | boolean)[] = [];
  flatten(data, inferShape(data), 0, flat, 'data');
  const isBool = flat.length > 0 && typeof flat[0] === 'boolean';
  const want: DType = opts.dtype ?? (isBool ? 'bool' : 'float32');
  const built: DType = want === 'float16' || want === 'bfloat16' ? 'float32' : want;
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== flat.length) throw new RangeError(`tensor(): ${flat.length} values do not fill shape [${shape.join(', ')}]`);
  const t = new Tensor(native.fromBuffer(typedFor(flat, built), shape, dtypeCode(built)));
  return finish(t, opts, built);
}

function bytesPer(a: ArrayBufferView): number {
  return (a as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
}

/**
 * A tensor copied from a typed array with the given shape. float16/bfloat16 take raw 16-bit words
 * (Uint16Array); bool takes 0/1 bytes.
 */
export function fromTypedArray(data: ArrayBufferView, shape: readonly number[], opts: TensorOptions = {}): Tensor {
  const dtype = opts.dtype ?? dtypeOfTypedArray(data);
  const t = new Tensor(native.fromBuffer(data, shape, dtypeCode(dtype)));
  return finish(t, { ...opts, dtype: undefined }, dtype);
}

/** A zero-dimensional tensor. */
export function scalar(value: number | boolean, opts: TensorOptions = {}): Tensor {
  return tensor(value, { ...opts, shape: [] });
}
