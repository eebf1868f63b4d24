// Data types, devices and memory formats: names used by the API and libtorch's enum codes.

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** c10::ScalarType codes. */
const CODES: Record<DType, number> = {
  uint8: 0,
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  bool: 11,
  bfloat16: 15,
};

const NAMES = new Map<number, DType>(Object.entries(CODES).map(([k, v]) => [v, k as DType]));

export function dtypeCode(d: DType): number {
  const c = CODES[d];
  if (c === undefined) {
    throw new TypeError(`unknown dtype '${String(d)}'; expected one of ${Object.keys(CODES).join(', ')}`);
  }
  return c;
}

export function dtypeName(code: number): DType {
  const n = NAMES.get(code);
  if (n === undefined) throw new TypeError(`unsupported libtorch scalar type code ${code}`);
  return n;
}

export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

/** The typed array a dtype's elements are read into (float16/bfloat16 as raw 16-bit words). */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array
  | BigInt64Array;

export interface TypedArrayFor {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export function typedArrayOf(d: DType, buf: ArrayBuffer, byteOffset = 0, length?: number): TypedArray {
  switch (d) {
    case 'float32':
      return new Float32Array(buf, byteOffset, length);
    case 'float64':
      return new Float64Array(buf, byteOffset, length);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buf, byteOffset, length);
    case 'int64':
      return new BigInt64Array(buf, byteOffset, length);
    case 'int32':
      return new Int32Array(buf, byteOffset, length);
    case 'int16':
      return new Int16Array(buf, byteOffset, length);
    case 'int8':
      return new Int8Array(buf, byteOffset, length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buf, byteOffset, length);
  }
}

export function elementSize(d: DType): number {
  switch (d) {
    case 'float64':
    case 'int64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
    case 'bfloat16':
    case 'int16':
      return 2;
    default:
      return 1;
  }
}

/** The dtype a typed array holds by default (Uint16Array is ambiguous and needs an explicit dtype). */
export function dtypeOfTypedArray(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'uint8';
  if (a instanceof BigInt64Array) return 'int64';
  throw new TypeError(`cannot infer a dtype from ${a.constructor.name}; pass { dtype }`);
}

export type MemoryFormat = 'contiguous' | 'preserve' | 'channels_last';

export function memoryFormatCode(m: MemoryFormat): number {
  switch (m) {
    case 'contiguous':
      return 0;
    case 'preserve':
      return 1;
    case 'channels_last':
      return 2;
    default:
      throw new TypeError(`unknown memory format '${String(m)}'; expected contiguous, preserve or channels_last`);
  }
}

/** 'cpu', 'cuda' or 'cuda:N'. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/** The strided layout, the only one Fovea uses. */
export const STRIDED = 0;
