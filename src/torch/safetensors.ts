// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian data.
import { readFileSync } from 'node:fs';
import { native } from './native.js';
import { Tensor } from './tensor.js';
import { dtypeCode, elementSize, type DType } from './dtype.js';
import { writeFileAtomic } from '../util/atomic.js';

const TO_ST: Record<DType, string> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_ST = new Map<string, DType>(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));

export type NamedTensors = Map<string, Tensor> | Record<string, Tensor>;

function entries(t: NamedTensors): [string, Tensor][] {
  return t instanceof Map ? [...t.entries()] : Object.entries(t);
}

/** Serialises named tensors (copied to CPU, row-major) with optional string metadata. */
export function encodeSafetensors(tensors: NamedTensors, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const datas: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries(tensors)) {
    if (name === '__metadata__') throw new Error("safetensors: '__metadata__' cannot name a tensor");
    const bytes = new Uint8Array(native.toBuffer(t.h));
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    datas.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  // pad the header with spaces so the data starts 8-byte aligned
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + head.byteLength + offset);
  out.writeBigUInt64LE(BigInt(head.byteLength), 0);
  head.copy(out, 8);
  let pos = 8 + head.byteLength;
  for (const d of datas) {
    out.set(d, pos);
    pos += d.byteLength;
  }
  return out;
}

export interface SafetensorsContents {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Parses a safetensors buffer; `source` names it in error messages. */
export function decodeSafetensors(buf: Uint8Array, source = 'buffer'): SafetensorsContents {
  const fail = (msg: string): never => {
    throw new Error(`safetensors: ${source}: ${msg}`);
  };
  if (buf.byteLength < 8) fail('too short to hold a header');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > buf.byteLength - 8) fail(`header length ${n} exceeds the file size ${buf.byteLength}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, n).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n;
  const tensors = new Map<string, Tensor>();
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  if (typeof metadata !== 'object' || metadata === null || Object.values(metadata).some((v) => typeof v !== 'string')) {
    fail('__metadata__ must map strings to strings');
  }
  try {
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const info = raw as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
      const dtype = FROM_ST.get(String(info.dtype));
      if (!dtype) fail(`tensor '${name}' has unsupported dtype '${String(info.dtype)}'`);
      if (!Array.isArray(info.shape) || !Array.isArray(info.data_offsets)) fail(`tensor '${name}' lacks shape or data_offsets`);
      if (!info.shape!.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor '${name}' has an invalid shape ${JSON.stringify(info.shape)}`);
      if (info.data_offsets!.length !== 2 || !info.data_offsets!.every((d) => Number.isInteger(d))) {
        fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(info.data_offsets)}`);
      }
      const [b, e] = info.data_offsets!;
      const count = info.shape!.reduce((a, x) => a * x, 1);
      if (e - b !== count * elementSize(dtype!)) {
        fail(`tensor '${name}': shape [${info.shape!.join(', ')}] of ${dtype} needs ${count * elementSize(dtype!)} bytes, data_offsets give ${e - b}`);
      }
      if (dataStart + e > buf.byteLength || b < 0 || e < b) fail(`tensor '${name}': data_offsets [${b}, ${e}] fall outside the file`);
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset + dataStart + b, e - b);
      tensors.set(name, new Tensor(native.fromBuffer(bytes, info.shape!, dtypeCode(dtype!))));
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

/** Writes named tensors to a file atomically (temporary file, fsync, rename). */
export function saveSafetensors(path: string, tensors: NamedTensors, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function loadSafetensors(path: string): SafetensorsContents {
  return decodeSafetensors(readFileSync(path), path);
}
