// ONNX models read without onnx/onnxruntime: the protobuf is parsed with a small wire-format
// reader (ModelProto, GraphProto, NodeProto, TensorProto, AttributeProto), and the weights of the
// graph's layers (Conv, QLinearConv, Gemm, MatMul, QLinearMatMul, BatchNormalization, with
// their DequantizeLinear / QLinear* int8 weights dequantised) are mapped in execution order onto
// a Fovea architecture's Conv2d / Linear / BatchNorm2d modules (registration order).
import { readFileSync } from 'node:fs';
import { fromTypedArray, type Tensor } from '../../torch/index.js';
import type { Module } from '../../nn/module.js';
import { BatchNorm2d, Conv2d, Linear } from '../../nn/modules/index.js';
import { ProtoReader, WIRE, float32, int64, pushDoubles, pushFloats, pushInts, str, type Field } from './protobuf.js';

// ---------------------------------------------------------------- protobuf messages

/** TensorProto.DataType codes. */
export const ONNX_DTYPE = { FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, BFLOAT16: 16 } as const;

const DTYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ONNX_DTYPE).map(([k, v]) => [v, k.toLowerCase()]));

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** raw_data, when the tensor stores its values that way. */
  raw?: Uint8Array;
  /** float_data / int32_data / int64_data / double_data / uint64_data, when typed. */
  values?: number[];
  external: boolean;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
  strings: string[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** Dimensions; symbolic ones (e.g. 'batch_size') as strings. */
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  opsets: { domain: string; version: number }[];
  graph: OnnxGraph;
}

function parseTensor(buf: Uint8Array, source: string): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], dataType: 0, external: false };
  const values: number[] = [];
  let typed = false;
  for (const f of ProtoReader.fields(buf, source)) {
    switch (f.field) {
      case 1:
        pushInts(f, t.dims);
        break;
      case 2:
        t.dataType = int64(f);
        break;
      case 4: // float_data
        typed = true;
        if (f.wire === WIRE.I32) values.push(float32(f));
        else pushFloats(f, values);
        break;
      case 5: // int32_data
      case 7: // int64_data
      case 11: // uint64_data
        typed = true;
        pushInts(f, values);
        break;
      case 10: // double_data
        typed = true;
        if (f.wire === WIRE.I64) values.push(new DataView(f.bytes!.buffer, f.bytes!.byteOffset, 8).getFloat64(0, true));
        else pushDoubles(f, values);
        break;
      case 8:
        t.name = str(f);
        break;
      case 9:
        t.raw = f.bytes;
        break;
      case 14:
        t.external = int64(f) === 1;
        break;
    }
  }
  if (typed) t.values = values;
  return t;
}

function parseAttribute(buf: Uint8Array, source: string): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: 0, floats: [], ints: [], strings: [] };
  for (const f of ProtoReader.fields(buf, source)) {
    switch (f.field) {
      case 1:
        a.name = str(f);
        break;
      case 20:
        a.type = int64(f);
        break;
      case 2:
        a.f = float32(f);
        break;
      case 3:
        a.i = int64(f);
        break;
      case 4:
        a.s = str(f);
        break;
      case 5:
        a.t = parseTensor(f.bytes!, source);
        break;
      case 7:
        if (f.wire === WIRE.I32) a.floats.push(float32(f));
        else pushFloats(f, a.floats);
        break;
      case 8:
        pushInts(f, a.ints);
        break;
      case 9:
        a.strings.push(str(f));
        break;
    }
  }
  return a;
}

function parseNode(buf: Uint8Array, source: string): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: new Map() };
  for (const f of ProtoReader.fields(buf, source)) {
    if (f.field === 1) n.inputs.push(str(f));
    else if (f.field === 2) n.outputs.push(str(f));
    else if (f.field === 3) n.name = str(f);
    else if (f.field === 4) n.opType = str(f);
    else if (f.field === 7) n.domain = str(f);
    else if (f.field === 5) {
      const a = parseAttribute(f.bytes!, source);
      n.attributes.set(a.name, a);
    }
  }
  return n;
}

function parseValueInfo(buf: Uint8Array, source: string): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0, shape: [] };
  const sub = (b: Uint8Array | undefined): Field[] => (b ? ProtoReader.fields(b, source) : []);
  for (const f of sub(buf)) {
    if (f.field === 1) v.name = str(f);
    if (f.field !== 2) continue;
    // TypeProto.tensor_type (1): elem_type (1), shape (2) -> dim (1) -> dim_value (1) | dim_param (2)
    for (const tt of sub(f.bytes)) {
      if (tt.field !== 1) continue;
      for (const g of sub(tt.bytes)) {
        if (g.field === 1) v.elemType = int64(g);
        if (g.field !== 2) continue;
        for (const d of sub(g.bytes)) {
          if (d.field !== 1) continue;
          let dim: number | string = '?';
          for (const x of sub(d.bytes)) {
            if (x.field === 1) dim = int64(x);
            if (x.field === 2) dim = str(x);
          }
          v.shape.push(dim);
        }
      }
    }
  }
  return v;
}

function parseGraph(buf: Uint8Array, source: string): OnnxGraph {
  const g: OnnxGraph = { name: '', nodes: [], initializers: new Map(), inputs: [], outputs: [] };
  for (const f of ProtoReader.fields(buf, source)) {
    if (f.field === 1) g.nodes.push(parseNode(f.bytes!, source));
    else if (f.field === 2) g.name = str(f);
    else if (f.field === 5) {
      const t = parseTensor(f.bytes!, source);
      g.initializers.set(t.name, t);
    } else if (f.field === 11) g.inputs.push(parseValueInfo(f.bytes!, source));
    else if (f.field === 12) g.outputs.push(parseValueInfo(f.bytes!, source));
  }
  return g;
}

/** Parses an ONNX model (a file path or its bytes). */
export function readOnnx(input: string | Uint8Array, source = typeof input === 'string' ? input : 'buffer'): OnnxModel {
  const buf = typeof input === 'string' ? new Uint8Array(readFileSync(input)) : input;
  const m: OnnxModel = { irVersion: 0, producerName: '', opsets: [], graph: { name: '', nodes: [], initializers: new Map(), inputs: [], outputs: [] } };
  let hasGraph = false;
  try {
    for (const f of ProtoReader.fields(buf, source)) {
      if (f.field === 1 && f.wire === WIRE.VARINT) m.irVersion = int64(f);
      else if (f.field === 2 && f.wire === WIRE.LEN) m.producerName = str(f);
      else if (f.field === 7 && f.wire === WIRE.LEN) {
        m.graph = parseGraph(f.bytes!, source);
        hasGraph = true;
      } else if (f.field === 8 && f.wire === WIRE.LEN) {
        const o = { domain: '', version: 0 };
        for (const x of ProtoReader.fields(f.bytes!, source)) {
          if (x.field === 1) o.domain = str(x);
          if (x.field === 2) o.version = int64(x);
        }
        m.opsets.push(o);
      }
    }
  } catch (e) {
    throw new Error(`${source}: not a readable ONNX model (${(e as Error).message})`);
  }
  if (!hasGraph) throw new Error(`${source}: not an ONNX model (no graph)`);
  return m;
}

/** True when the bytes look like an ONNX ModelProto (ir_version varint first, a graph inside). */
export function looksLikeOnnx(buf: Uint8Array): boolean {
  return buf.byteLength > 2 && buf[0] === 0x08 && buf[1] > 0 && buf[1] < 0x20;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** A tensor's values as float64 numbers (integers exactly, up to 2^53). */
export function onnxValues(t: OnnxTensor, source = 'onnx'): Float64Array {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.external) throw new Error(`${source}: initializer '${t.name}' keeps its data in an external file, which is not supported; save the model with its data inside`);
  let out: Float64Array;
  if (t.raw) {
    const r = t.raw;
    const v = new DataView(r.buffer, r.byteOffset, r.byteLength);
    out = new Float64Array(count);
    const need = (size: number): void => {
      if (r.byteLength !== count * size) throw new Error(`${source}: initializer '${t.name}' [${t.dims.join(', ')}] has ${r.byteLength} bytes of raw data, expected ${count * size}`);
    };
    switch (t.dataType) {
      case ONNX_DTYPE.FLOAT:
        need(4);
        for (let i = 0; i < count; i++) out[i] = v.getFloat32(i * 4, true);
        break;
      case ONNX_DTYPE.DOUBLE:
        need(8);
        for (let i = 0; i < count; i++) out[i] = v.getFloat64(i * 8, true);
        break;
      case ONNX_DTYPE.FLOAT16:
        need(2);
        for (let i = 0; i < count; i++) out[i] = halfToFloat(v.getUint16(i * 2, true));
        break;
      case ONNX_DTYPE.BFLOAT16:
        need(2);
        for (let i = 0; i < count; i++) {
          v.getUint16(i * 2, true);
          out[i] = new Float32Array(new Uint32Array([v.getUint16(i * 2, true) << 16]).buffer)[0];
        }
        break;
      case ONNX_DTYPE.INT8:
        need(1);
        for (let i = 0; i < count; i++) out[i] = v.getInt8(i);
        break;
      case ONNX_DTYPE.UINT8:
      case ONNX_DTYPE.BOOL:
        need(1);
        for (let i = 0; i < count; i++) out[i] = v.getUint8(i);
        break;
      case ONNX_DTYPE.INT16:
        need(2);
        for (let i = 0; i < count; i++) out[i] = v.getInt16(i * 2, true);
        break;
      case ONNX_DTYPE.UINT16:
        need(2);
        for (let i = 0; i < count; i++) out[i] = v.getUint16(i * 2, true);
        break;
      case ONNX_DTYPE.INT32:
        need(4);
        for (let i = 0; i < count; i++) out[i] = v.getInt32(i * 4, true);
        break;
      case ONNX_DTYPE.UINT32:
        need(4);
        for (let i = 0; i < count; i++) out[i] = v.getUint32(i * 4, true);
        break;
      case ONNX_DTYPE.INT64:
        need(8);
        for (let i = 0; i < count; i++) out[i] = Number(v.getBigInt64(i * 8, true));
        break;
      case ONNX_DTYPE.UINT64:
        need(8);
        for (let i = 0; i < count; i++) out[i] = Number(v.getBigUint64(i * 8, true));
        break;
      default:
        throw new Error(`${source}: initializer '${t.name}' has unsupported data type ${DTYPE_NAMES[t.dataType] ?? t.dataType}`);
    }
    return out;
  }
  const vals = t.values ?? [];
  if (vals.length !== count) throw new Error(`${source}: initializer '${t.name}' [${t.dims.join(', ')}] holds ${vals.length} values, expected ${count}`);
  out = Float64Array.from(vals);
  if (t.dataType === ONNX_DTYPE.FLOAT16) for (let i = 0; i < count; i++) out[i] = halfToFloat(out[i]);
  if (t.dataType === ONNX_DTYPE.INT8) for (let i = 0; i < count; i++) out[i] = (out[i] << 24) >> 24;
  return out;
}

// ---------------------------------------------------------------- weights of the graph's layers

/** A constant array with its shape (values as float64). */
export interface Const {
  dims: number[];
  data: Float64Array;
  /** Where it came from, for error messages (initializer names). */
  from: string;
}

export interface OnnxLayer {
  kind: 'conv' | 'linear' | 'bn';
  /** The node (name or op type with index) the layer came from. */
  node: string;
  /** conv: [out, in/groups, kh, kw]; linear: [out, in] (transposed from MatMul's [in, out]). */
  weight?: Const;
  bias?: Const;
  /** BatchNormalization: scale, B, mean, var, epsilon. */
  bn?: { scale: Const; bias: Const; mean: Const; variance: Const; eps: number };
  group?: number;
}

function attrInt(n: OnnxNode, name: string, dflt: number): number {
  return n.attributes.get(name)?.i ?? dflt;
}

function attrFloat(n: OnnxNode, name: string, dflt: number): number {
  return n.attributes.get(name)?.f ?? dflt;
}

function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** (q - zeroPoint) * scale, per tensor or per channel along `axis`. */
function dequantize(q: Const, scale: Const, zp: Const | null, axis: number, what: string): Const {
  const n = scale.data.length;
  const out = new Float64Array(q.data.length);
  if (n === 1) {
    const s = scale.data[0];
    const z = zp ? zp.data[0] : 0;
    for (let i = 0; i < out.length; i++) out[i] = (q.data[i] - z) * s;
  } else {
    const ax = axis < 0 ? axis + q.dims.length : axis;
    if (q.dims[ax] !== n) throw new Error(`${what}: ${n} scales do not match axis ${ax} of [${q.dims.join(', ')}] (${q.from})`);
    if (zp && zp.data.length !== n && zp.data.length !== 1) throw new Error(`${what}: ${zp.data.length} zero points for ${n} scales (${zp.from})`);
    const inner = numel(q.dims.slice(ax + 1));
    for (let i = 0; i < out.length; i++) {
      const c = Math.floor(i / inner) % n;
      const z = zp ? (zp.data.length === 1 ? zp.data[0] : zp.data[c]) : 0;
      out[i] = (q.data[i] - z) * scale.data[c];
    }
  }
  return { dims: q.dims, data: out, from: q.from };
}

function transpose2d(c: Const): Const {
  const [r, k] = c.dims;
  const out = new Float64Array(c.data.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) out[j * r + i] = c.data[i * k + j];
  return { dims: [k, r], data: out, from: c.from };
}

function transpose(c: Const, perm: readonly number[]): Const {
  const dims = perm.map((p) => c.dims[p]);
  const inStrides = c.dims.map((_, i) => numel(c.dims.slice(i + 1)));
  const out = new Float64Array(c.data.length);
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < dims.length; d++) src += idx[d] * inStrides[perm[d]];
    out[o] = c.data[src];
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  return { dims, data: out, from: c.from };
}

function scaleBy(c: Const, s: number): Const {
  return s === 1 ? c : { ...c, data: c.data.map((v) => v * s) };
}

/** The layers (conv / linear / batch norm) of a graph in execution order, weights dequantised. */
export function onnxLayers(model: OnnxModel, source = 'onnx'): OnnxLayer[] {
  const g = model.graph;
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of g.nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) {
      if (!i) continue;
      let l = consumers.get(i);
      if (!l) consumers.set(i, (l = []));
      l.push(n);
    }
  }
  const cache = new Map<string, Const | null>();
  const label = (n: OnnxNode): string => (n.name ? `'${n.name}' (${n.opType})` : `${n.opType} -> '${n.outputs[0]}'`);

  /** The constant value of a tensor name: an initializer, or computed from constants. */
  const constOf = (name: string | undefined): Const | null => {
    if (!name) return null;
    if (cache.has(name)) return cache.get(name)!;
    let v: Const | null = null;
    const init = g.initializers.get(name);
    if (init) v = { dims: init.dims, data: onnxValues(init, source), from: name };
    else {
      const p = producer.get(name);
      if (p?.opType === 'Constant' && p.attributes.get('value')?.t) {
        const t = p.attributes.get('value')!.t!;
        v = { dims: t.dims, data: onnxValues(t, source), from: name };
      } else if (p?.opType === 'DequantizeLinear') {
        const x = constOf(p.inputs[0]);
        const s = constOf(p.inputs[1]);
        if (x && s) v = dequantize(x, s, constOf(p.inputs[2]), attrInt(p, 'axis', 1), `${source}: node ${label(p)}`);
      } else if (p?.opType === 'QuantizeLinear') {
        // weights stored as float and quantised in the graph (QDQ): the rounded values
        const x = constOf(p.inputs[0]);
        const s = constOf(p.inputs[1]);
        const z = constOf(p.inputs[2]);
        if (x && s) {
          const zt = z ? g.initializers.get(p.inputs[2])?.dataType : ONNX_DTYPE.UINT8;
          const [lo, hi] = zt === ONNX_DTYPE.INT8 ? [-128, 127] : [0, 255];
          const ax = attrInt(p, 'axis', 1);
          const n = s.data.length;
          const inner = n > 1 ? numel(x.dims.slice((ax < 0 ? ax + x.dims.length : ax) + 1)) : 1;
          const data = x.data.map((val, i) => {
            const c = n > 1 ? Math.floor(i / inner) % n : 0;
            const zz = z ? (z.data.length === 1 ? z.data[0] : z.data[c]) : 0;
            // round half to even, as ONNX specifies
            const r = val / s.data[c];
            const f = Math.floor(r);
            const q = r - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(r);
            return Math.min(hi, Math.max(lo, q + zz));
          });
          v = { dims: x.dims, data, from: x.from };
        }
      } else if (p?.opType === 'Identity') v = constOf(p.inputs[0]);
      else if (p?.opType === 'Transpose') {
        const x = constOf(p.inputs[0]);
        if (x) {
          const perm = p.attributes.get('perm')?.ints ?? x.dims.map((_, i) => x.dims.length - 1 - i);
          v = transpose(x, perm);
        }
      }
    }
    cache.set(name, v);
    return v;
  };
  const need = (name: string | undefined, n: OnnxNode, what: string): Const => {
    const c = constOf(name);
    if (!c) throw new Error(`${source}: ${what} of node ${label(n)} ('${name ?? ''}') is not a constant initializer`);
    return c;
  };

  /** A bias added right after a MatMul: an Add / QLinearAdd whose other input is constant. */
  const followingBias = (out: string): Const | undefined => {
    for (const c of consumers.get(out) ?? []) {
      if (c.opType === 'Add') {
        const other = c.inputs[0] === out ? c.inputs[1] : c.inputs[0];
        const b = constOf(other);
        if (b) return b;
      } else if (c.opType === 'QLinearAdd') {
        // A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp
        const [a, as, az, b, bs, bz] = c.inputs;
        const [q, s, z] = a === out ? [b, bs, bz] : b === out ? [a, as, az] : [];
        const qc = constOf(q);
        const sc = constOf(s);
        if (qc && sc) return dequantize(qc, sc, constOf(z), 0, `${source}: node ${label(c)}`);
      }
    }
    return undefined;
  };

  const layers: OnnxLayer[] = [];
  for (const n of topological(g.nodes, g)) {
    const op = n.opType;
    if (op === 'Conv') {
      layers.push({ kind: 'conv', node: label(n), weight: need(n.inputs[1], n, 'weight'), bias: constOf(n.inputs[2]) ?? undefined, group: attrInt(n, 'group', 1) });
    } else if (op === 'QLinearConv') {
      // x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B
      const w = dequantize(need(n.inputs[3], n, 'weight'), need(n.inputs[4], n, 'weight scale'), constOf(n.inputs[5]), 0, `${source}: node ${label(n)}`);
      let bias: Const | undefined;
      if (n.inputs[8]) {
        const b = need(n.inputs[8], n, 'bias');
        const xs = need(n.inputs[1], n, 'input scale').data[0];
        const ws = need(n.inputs[4], n, 'weight scale');
        bias = dequantize(b, { ...ws, data: ws.data.map((s) => s * xs) }, null, 0, `${source}: node ${label(n)}`);
      }
      layers.push({ kind: 'conv', node: label(n), weight: w, bias, group: attrInt(n, 'group', 1) });
    } else if (op === 'Gemm') {
      let w = need(n.inputs[1], n, 'weight');
      if (attrInt(n, 'transA', 0)) throw new Error(`${source}: Gemm node ${label(n)} with transA=1 is not supported`);
      if (!attrInt(n, 'transB', 0)) w = transpose2d(w);
      w = scaleBy(w, attrFloat(n, 'alpha', 1));
      const c = constOf(n.inputs[2]);
      layers.push({ kind: 'linear', node: label(n), weight: w, bias: c ? scaleBy(c, attrFloat(n, 'beta', 1)) : undefined });
    } else if (op === 'MatMul') {
      const b = constOf(n.inputs[1]);
      if (!b || b.dims.length !== 2) continue; // activation x activation (attention), not a layer
      layers.push({ kind: 'linear', node: label(n), weight: transpose2d(b), bias: followingBias(n.outputs[0]) });
    } else if (op === 'QLinearMatMul') {
      // a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp; b [K, N] with per-column scales
      const bq = constOf(n.inputs[3]);
      if (!bq || bq.dims.length !== 2) continue;
      const b = dequantize(bq, need(n.inputs[4], n, 'weight scale'), constOf(n.inputs[5]), 1, `${source}: node ${label(n)}`);
      layers.push({ kind: 'linear', node: label(n), weight: transpose2d(b), bias: followingBias(n.outputs[0]) });
    } else if (op === 'BatchNormalization') {
      layers.push({
        kind: 'bn',
        node: label(n),
        bn: {
          scale: need(n.inputs[1], n, 'scale'),
          bias: need(n.inputs[2], n, 'bias'),
          mean: need(n.inputs[3], n, 'mean'),
          variance: need(n.inputs[4], n, 'variance'),
          eps: attrFloat(n, 'epsilon', 1e-5),
        },
      });
    }
  }
  return layers;
}

/** Nodes in topological order (Kahn's algorithm, ties broken by file order). */
function topological(nodes: OnnxNode[], g: OnnxGraph): OnnxNode[] {
  const producerIndex = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => producerIndex.set(o, i)));
  const indeg = nodes.map(() => 0);
  const users: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    const deps = new Set<number>();
    for (const inp of n.inputs) {
      const p = producerIndex.get(inp);
      if (p !== undefined && p !== i && !g.initializers.has(inp)) deps.add(p);
    }
    indeg[i] = deps.size;
    for (const d of deps) users[d].push(i);
  });
  // a min-heap would be faster; graphs are a few thousand nodes at most
  const ready = indeg.flatMap((d, i) => (d === 0 ? [i] : []));
  const out: OnnxNode[] = [];
  while (ready.length) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    out.push(nodes[i]);
    for (const u of users[i]) if (--indeg[u] === 0) ready.push(u);
  }
  if (out.length !== nodes.length) throw new Error('onnx: the graph has a cycle');
  return out;
}

// ---------------------------------------------------------------- mapping onto a Fovea model

export interface WeightMapping {
  /** Torch-style state dict entries for the model (the caller owns the tensors). */
  state: Map<string, Tensor>;
  /** Which ONNX node each model parameter came from. */
  sources: Map<string, string>;
  /** Model parameters left as they were because their shapes differ (with skipMismatched). */
  skipped: string[];
}

export interface MapOnnxOptions {
  /** Names the file in error messages. */
  source?: string;
  /** Leave a conv / linear whose shape differs (e.g. another class count) instead of failing. */
  skipMismatched?: boolean;
}

const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Maps the graph's layers, in execution order, onto the model's Conv2d / Linear / BatchNorm2d
 * modules in registration order. A BatchNorm2d with no BatchNormalization node in the graph
 * (the exporter folded it into the conv) becomes an identity plus the conv's bias
 * (weight 1, bias b, running mean 0, running variance 1 - eps). Errors name the model parameter
 * and the ONNX node that do not fit.
 */
export function mapOnnxToModel(onnx: OnnxModel, model: Module, o: MapOnnxOptions = {}): WeightMapping {
  const source = o.source ?? 'onnx';
  const layers = onnxLayers(onnx, source);
  const skipped: string[] = [];
  const state = new Map<string, Tensor>();
  const sources = new Map<string, string>();
  const put = (key: string, shape: readonly number[], data: Float64Array | Float32Array, from: string): void => {
    state.set(key, fromTypedArray(Float32Array.from(data), [...shape], { dtype: 'float32' }));
    sources.set(key, from);
  };
  const fail = (msg: string): never => {
    for (const t of state.values()) t.dispose();
    throw new Error(`${source}: ${msg}`);
  };
  let gi = 0;
  let pending: { bias: Const | undefined; node: string; conv: string } | null = null;
  const modules = model.namedModules().filter(([, m]) => m instanceof Conv2d || m instanceof Linear || m instanceof BatchNorm2d);
  for (const [path, m] of modules) {
    if (m instanceof BatchNorm2d) {
      const c = m.numFeatures;
      const affine = m.namedParameters('', false).some(([n]) => n === 'weight');
      const next = layers[gi];
      if (next?.kind === 'bn') {
        const bn = next.bn!;
        for (const [k, v] of [['weight', bn.scale], ['bias', bn.bias], ['running_mean', bn.mean], ['running_var', bn.variance]] as const) {
          if (v.data.length !== c) fail(`${path}.${k}: the model has ${c} channels, ONNX node ${next.node} gives ${v.data.length} (${v.from})`);
        }
        if (!affine && (bn.scale.data.some((x) => x !== 1) || bn.bias.data.some((x) => x !== 0))) {
          fail(`${path}: the model's BatchNorm2d has no weight and bias, ONNX node ${next.node} scales and shifts`);
        }
        let mean = bn.mean.data;
        if (pending?.bias) mean = mean.map((x, i) => x - pending!.bias!.data[i]); // BN(x + b) with the conv's bias
        // the model's eps is fixed: adjust the variance so var + eps stays the graph's
        const variance = bn.variance.data.map((x) => x + bn.eps - m.eps);
        if (affine) {
          put(`${path}.weight`, [c], bn.scale.data, next.node);
          put(`${path}.bias`, [c], bn.bias.data, next.node);
        }
        put(`${path}.running_mean`, [c], mean, next.node);
        put(`${path}.running_var`, [c], variance, next.node);
        pending = null;
        gi++;
      } else {
        // folded by the exporter: an identity that adds the preceding conv's bias
        // (weight 1, bias b, mean 0, variance 1 - eps; without affine parameters, mean -b)
        if (!pending) fail(`${path}: the model has a BatchNorm2d here but ONNX has neither a BatchNormalization node nor a conv before ${next ? `node ${next.node}` : 'the end of the graph'}`);
        const b = pending!.bias?.data ?? new Float64Array(c);
        if (b.length !== c) fail(`${path}.bias: the model has ${c} channels, the bias of ONNX node ${pending!.node} has ${b.length}`);
        if (affine) {
          put(`${path}.weight`, [c], new Float64Array(c).fill(1), pending!.node);
          put(`${path}.bias`, [c], b, pending!.node);
        }
        put(`${path}.running_mean`, [c], affine ? new Float64Array(c) : b.map((x) => -x), pending!.node);
        put(`${path}.running_var`, [c], new Float32Array(c).fill(1 - m.eps), pending!.node);
        pending = null;
      }
      continue;
    }
    if (pending?.bias) fail(`ONNX node ${pending.node} has a bias but model layer '${pending.conv}' has none and no BatchNorm2d follows it`);
    pending = null;
    const isConv = m instanceof Conv2d;
    const want = isConv ? 'conv' : 'linear';
    const wShape = (m as Conv2d | Linear).weight.shape;
    const next = layers[gi];
    if (!next) fail(`${path}.weight ${shapeStr(wShape)}: missing, the ONNX graph has no more layers (${layers.filter((l) => l.kind !== 'bn').length} conv/linear layers for the model's ${modules.filter(([, x]) => !(x instanceof BatchNorm2d)).length})`);
    let w = next!.weight;
    if (next!.kind === 'bn') fail(`${path}.weight: the model has a ${isConv ? 'Conv2d' : 'Linear'} here, ONNX has BatchNormalization node ${next!.node}`);
    if (next!.kind !== want) {
      // a Linear exported as a 1x1 Conv (or the other way round) when the shapes allow it
      const dims = w!.dims;
      if (!isConv && dims.length === 4 && dims[2] === 1 && dims[3] === 1) w = { ...w!, dims: dims.slice(0, 2) };
      else if (isConv && wShape[2] === 1 && wShape[3] === 1 && dims.length === 2) w = { ...w!, dims: [...dims, 1, 1] };
      else fail(`${path}.weight: the model has a ${isConv ? 'Conv2d' : 'Linear'} here, ONNX has ${next!.kind} node ${next!.node}`);
    }
    if (!sameShape(w!.dims, wShape)) {
      const msg = `${path}.weight: model ${shapeStr(wShape)} vs ONNX ${shapeStr(w!.dims)} (node ${next!.node}, ${w!.from})`;
      if (!o.skipMismatched) fail(msg);
      skipped.push(msg);
      pending = null;
      gi++;
      continue;
    }
    put(`${path}.weight`, wShape, w!.data, next!.node);
    const hasBias = m.namedParameters('', false).some(([n]) => n === 'bias');
    const outC = wShape[0];
    if (hasBias) {
      const b = next!.bias;
      if (b && b.data.length !== outC) fail(`${path}.bias: model [${outC}] vs ONNX [${b.data.length}] (node ${next!.node}, ${b.from})`);
      put(`${path}.bias`, [outC], b ? b.data : new Float64Array(outC), next!.node);
    }
    // a BatchNorm2d may follow (folded into this layer by the exporter): it takes the bias
    pending = { bias: hasBias ? undefined : next!.bias, node: next!.node, conv: path };
    gi++;
  }
  if (pending?.bias) fail(`ONNX node ${pending.node} has a bias but model layer '${pending.conv}' has none and no BatchNorm2d follows it`);
  if (gi < layers.length) {
    const rest = layers.slice(gi);
    fail(`the ONNX graph has ${rest.length} more layer${rest.length > 1 ? 's' : ''} than the model (next: ${rest[0].kind} node ${rest[0].node}${rest[0].weight ? ` ${shapeStr(rest[0].weight.dims)}` : ''}); is the architecture right?`);
  }
  return { state, sources, skipped };
}
