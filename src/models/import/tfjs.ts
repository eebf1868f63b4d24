// TensorFlow.js layers models (model.json + binary weight shards) and the mapping of Keras weight
// names and layouts onto a Fovea module.
//
// readTfjsLayersModel reads `weightsManifest`: each group's shards are concatenated and hold its
// weights back to back, float32 / int32 / bool, or quantised (`quantization`: uint8 or uint16 with
// {scale, min}: value = q * scale + min; float16). Weights keep their Keras names ('conv1/kernel',
// 'conv1_bn/moving_mean') and Keras layouts.
//
// kerasToFovea turns those into a Fovea state dict. Each Keras layer is found in the model by, in
// order: the model's own kerasNames() map (Keras name -> module path) when it has one, the module
// path itself ('conv_dw_1'), the path with '.' read as '_' ('block2.sepconv1' for
// 'block2_sepconv1'), the last path segment; layers Keras leaves unnamed (conv2d_7,
// batch_normalization_3, dense, ...) are paired, per kind, in Keras's creation order (the numeric
// suffix) with the model's remaining modules of that kind in module order. Layouts: Conv2D kernel
// (kh, kw, in, out) -> [out, in, kh, kw]; DepthwiseConv2D kernel (kh, kw, C, M) -> [C*M, 1, kh, kw];
// SeparableConv2D depthwise_kernel / pointwise_kernel / bias -> depthwise.weight /
// pointwise.weight / pointwise.bias; Dense kernel (in, out) -> [out, in] (a 1x1 conv kernel and a
// Dense kernel convert into each other); BatchNormalization gamma / beta / moving_mean /
// moving_variance -> weight / bias / running_mean / running_var (a layer without gamma — scale=False
// — gives weight = 1 where the module has one; without beta, bias = 0).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fromTypedArray, noGrad, ones, sameShape, tidy, zeros, type Tensor } from '../../torch/index.js';
import type { Module } from '../../nn/module.js';
import { BatchNorm2d, Conv2d, Linear, SeparableConv2d } from '../../nn/modules/index.js';

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** One weight's bytes (copied, so typed views are aligned) -> tensor in its manifest dtype. */
function decodeWeight(e: ManifestEntry, bytes: Uint8Array, source: string): Tensor {
  const n = e.shape.reduce((a, b) => a * b, 1);
  const dtype = e.dtype ?? 'float32';
  const q = e.quantization;
  // a fresh, aligned copy (Buffer.slice would be a view into the shard's pooled memory)
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const buf = copy.buffer;
  if (q) {
    if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`${source}: weight '${e.name}': quantised ${dtype} is not supported`);
    let values: Float64Array;
    if (q.dtype === 'uint8' || q.dtype === 'uint16') {
      if (typeof q.scale !== 'number' || typeof q.min !== 'number') throw new Error(`${source}: weight '${e.name}': ${q.dtype} quantisation needs scale and min`);
      const raw = q.dtype === 'uint8' ? new Uint8Array(buf) : new Uint16Array(buf);
      values = Float64Array.from(raw, (v) => v * q.scale! + q.min!);
    } else if (q.dtype === 'float16') {
      values = Float64Array.from(new Uint16Array(buf), half);
    } else {
      throw new Error(`${source}: weight '${e.name}': unknown quantisation dtype '${q.dtype}'`);
    }
    if (dtype === 'int32') return fromTypedArray(Int32Array.from(values, Math.round), e.shape, { dtype: 'int32' });
    return fromTypedArray(Float32Array.from(values), e.shape, { dtype: 'float32' });
  }
  switch (dtype) {
    case 'float32':
      return fromTypedArray(new Float32Array(buf, 0, n), e.shape, { dtype: 'float32' });
    case 'int32':
      return fromTypedArray(new Int32Array(buf, 0, n), e.shape, { dtype: 'int32' });
    case 'bool':
      return fromTypedArray(new Uint8Array(buf, 0, n), e.shape, { dtype: 'bool' });
    default:
      throw new Error(`${source}: weight '${e.name}' has unsupported dtype '${dtype}'`);
  }
}

/**
 * Reads a TF.js layers model: `path` is its folder or its model.json. Returns the weights by their
 * manifest names (Keras layouts) and the `modelTopology` JSON.
 */
export async function readTfjsLayersModel(path: string): Promise<{ weights: Map<string, Tensor>; topology: unknown }> {
  const jsonPath = existsSync(path) && statSync(path).isDirectory() ? join(path, 'model.json') : path;
  if (!existsSync(jsonPath)) throw new Error(`${jsonPath}: no such TF.js model.json`);
  let json: { modelTopology?: unknown; weightsManifest?: ManifestGroup[]; format?: string };
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8')) as typeof json;
  } catch (e) {
    throw new Error(`${jsonPath}: not a TF.js model.json (${(e as Error).message})`);
  }
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${jsonPath}: no weightsManifest (not a TF.js model.json)`);
  if (json.format === 'graph-model') throw new Error(`${jsonPath}: a TF.js graph model; only layers models carry Keras weights`);
  const dir = dirname(jsonPath);
  const weights = new Map<string, Tensor>();
  try {
    for (const [gi, group] of json.weightsManifest.entries()) {
      const parts = group.paths.map((p) => {
        const file = [join(dir, p), join(dir, decodeURIComponent(p))].find((f) => existsSync(f));
        if (!file) throw new Error(`${jsonPath}: weight shard '${p}' (group ${gi + 1}) is missing`);
        return readFileSync(file);
      });
      const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      let offset = 0;
      for (const e of group.weights) {
        const n = e.shape.reduce((a, b) => a * b, 1);
        const stored = e.quantization?.dtype ?? e.dtype ?? 'float32';
        const size = BYTES[stored];
        if (size === undefined) throw new Error(`${jsonPath}: weight '${e.name}' has unsupported dtype '${stored}'`);
        const end = offset + n * size;
        if (end > data.length) throw new Error(`${jsonPath}: weight '${e.name}' needs bytes ${offset}..${end} of group ${gi + 1}, which has ${data.length}`);
        if (weights.has(e.name)) throw new Error(`${jsonPath}: weight '${e.name}' appears twice`);
        weights.set(e.name, decodeWeight(e, data.subarray(offset, end), jsonPath));
        offset = end;
      }
      if (offset !== data.length) throw new Error(`${jsonPath}: group ${gi + 1} has ${data.length} bytes, its weights ${offset}`);
    }
  } catch (err) {
    for (const t of weights.values()) t.dispose();
    throw err;
  }
  return { weights, topology: json.modelTopology ?? null };
}

// ---- Keras names and layouts -> Fovea ----

type UnitKind = 'conv' | 'depthwise' | 'separable' | 'bn' | 'dense';

interface Unit {
  path: string;
  module: Module;
  kind: UnitKind;
}

/** Modules that own Keras weights, in module order (a SeparableConv2d counts once, not its two convs). */
function weightUnits(model: Module): Unit[] {
  const units: Unit[] = [];
  const inner = new Set<Module>();
  for (const [path, m] of model.namedModules()) {
    if (inner.has(m)) continue;
    if (m instanceof SeparableConv2d) {
      inner.add(m.depthwise).add(m.pointwise);
      units.push({ path, module: m, kind: 'separable' });
    } else if (m instanceof Conv2d) {
      units.push({ path, module: m, kind: m.groups > 1 && m.groups === m.inChannels ? 'depthwise' : 'conv' });
    } else if (m instanceof BatchNorm2d) {
      units.push({ path, module: m, kind: 'bn' });
    } else if (m instanceof Linear) {
      units.push({ path, module: m, kind: 'dense' });
    }
  }
  return units;
}

// Keras's automatic names (conv2d, conv2d_7) and TF.js's (conv2d_Conv2D7)
const AUTO_NAME = /^(conv2d|depthwise_conv2d|separable_conv2d|batch_normalization|dense)(?:_(?:[A-Z][A-Za-z0-9]*[A-Za-z])?(\d+))?$/;
const AUTO_KIND: Record<string, UnitKind> = {
  conv2d: 'conv',
  depthwise_conv2d: 'depthwise',
  separable_conv2d: 'separable',
  batch_normalization: 'bn',
  dense: 'dense',
};

function shapeStr(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/** Splits 'model/conv1/kernel:0' into layer 'conv1' and weight 'kernel'. */
function splitName(name: string): [string, string] {
  const parts = name.replace(/:\d+$/, '').split('/');
  if (parts.length < 2) throw new Error(`Keras weight '${name}' is not named layer/weight`);
  return [parts[parts.length - 2], parts[parts.length - 1]];
}

/**
 * Maps Keras weights (readTfjsLayersModel's names and layouts) onto `model`'s parameter and
 * buffer names and layouts; the result loads with model.loadStateDict(). Errors name the Keras
 * layer or model parameter that has no counterpart or the wrong shape.
 */
export function kerasToFovea(weights: Map<string, Tensor>, model: Module): Map<string, Tensor> {
  // Keras layers: name -> weight name -> tensor
  const layers = new Map<string, Map<string, Tensor>>();
  for (const [name, t] of weights) {
    const [layer, w] = splitName(name);
    if (!layers.has(layer)) layers.set(layer, new Map());
    if (layers.get(layer)!.has(w)) throw new Error(`Keras weight '${layer}/${w}' appears twice`);
    layers.get(layer)!.set(w, t);
  }

  const units = weightUnits(model);
  const byPath = new Map(units.map((u) => [u.path, u]));
  const index = (key: (u: Unit) => string): Map<string, Unit[]> => {
    const m = new Map<string, Unit[]>();
    for (const u of units) m.set(key(u), [...(m.get(key(u)) ?? []), u]);
    return m;
  };
  const byUnderscore = index((u) => u.path.replace(/\./g, '_'));
  const byLast = index((u) => u.path.slice(u.path.lastIndexOf('.') + 1));
  const named = (model as { kerasNames?: () => Map<string, string> }).kerasNames;
  const aliases = typeof named === 'function' ? named.call(model) : new Map<string, string>();

  const assigned = new Map<Unit, string>();
  const pairs: [string, Unit][] = [];
  const unresolved: string[] = [];
  const claim = (layer: string, u: Unit): void => {
    const prev = assigned.get(u);
    if (prev !== undefined) throw new Error(`Keras layers '${prev}' and '${layer}' both map to model module '${u.path}'`);
    assigned.set(u, layer);
    pairs.push([layer, u]);
  };
  for (const layer of layers.keys()) {
    const alias = aliases.get(layer);
    if (alias !== undefined) {
      const u = byPath.get(alias);
      if (!u) throw new Error(`Keras layer '${layer}': the model maps it to '${alias}', which is not a weighted module`);
      claim(layer, u);
      continue;
    }
    const direct = byPath.get(layer);
    const candidates = direct ? [direct] : (byUnderscore.get(layer) ?? byLast.get(layer) ?? []);
    if (candidates.length > 1) throw new Error(`Keras layer '${layer}' matches several model modules: ${candidates.map((u) => u.path).join(', ')}`);
    if (candidates.length === 1) claim(layer, candidates[0]);
    else unresolved.push(layer);
  }

  // unnamed Keras layers, per kind in creation order, against the model's remaining modules
  const notAuto = unresolved.filter((l) => !AUTO_NAME.test(l));
  if (notAuto.length) throw new Error(`Keras layer${notAuto.length > 1 ? 's' : ''} ${notAuto.map((l) => `'${l}'`).join(', ')} match${notAuto.length > 1 ? '' : 'es'} no module of the model`);
  for (const kind of new Set(unresolved.map((l) => AUTO_KIND[AUTO_NAME.exec(l)![1]]))) {
    const keras = unresolved
      .filter((l) => AUTO_KIND[AUTO_NAME.exec(l)![1]] === kind)
      .sort((a, b) => Number(AUTO_NAME.exec(a)![2] ?? 0) - Number(AUTO_NAME.exec(b)![2] ?? 0));
    const free = units.filter((u) => u.kind === kind && !assigned.has(u));
    if (keras.length !== free.length) {
      throw new Error(
        `${keras.length} unnamed Keras ${kind} layer(s) (${keras.join(', ')}) but ${free.length} unmatched model module(s) of that kind (${free.map((u) => u.path).join(', ') || 'none'})`,
      );
    }
    keras.forEach((l, i) => claim(l, free[i]));
  }

  const out = new Map<string, Tensor>();
  const own = model.stateDict();
  try {
    noGrad(() => {
      for (const [layer, u] of pairs) convertLayer(layer, layers.get(layer)!, u, own, out);
    });
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  const missing = [...own.keys()].filter((k) => !out.has(k));
  if (missing.length) {
    for (const t of out.values()) t.dispose();
    throw new Error(`model parameter${missing.length > 1 ? 's' : ''} without a Keras weight: ${missing.join(', ')}`);
  }
  return out;
}

function convertLayer(layer: string, ws: Map<string, Tensor>, u: Unit, own: Map<string, Tensor>, out: Map<string, Tensor>): void {
  const used = new Set<string>();
  const take = (w: string, required = true): Tensor | null => {
    const t = ws.get(w);
    if (!t && required) throw new Error(`Keras layer '${layer}' (for ${u.path}) has no weight '${w}'; it has ${[...ws.keys()].join(', ')}`);
    if (t) used.add(w);
    return t ?? null;
  };
  const put = (param: string, kerasName: string, make: () => Tensor): void => {
    const name = u.path ? `${u.path}.${param}` : param;
    const target = own.get(name);
    if (!target) throw new Error(`Keras weight '${layer}/${kerasName}' has no model parameter '${name}'`);
    const t = tidy(() => {
      const v = make();
      if (v.size !== target.size) {
        throw new Error(`model parameter '${name}' ${shapeStr(target.shape)} does not match Keras weight '${layer}/${kerasName}' (converted ${shapeStr(v.shape)})`);
      }
      if (!sameShape(v.shape, target.shape)) {
        // only a 1x1 conv <-> Dense kernel may change rank
        if (target.shape.filter((d) => d !== 1).join() !== v.shape.filter((d) => d !== 1).join()) {
          throw new Error(`model parameter '${name}' ${shapeStr(target.shape)} does not match Keras weight '${layer}/${kerasName}' (converted ${shapeStr(v.shape)})`);
        }
      }
      return v.reshape(target.shape).to(target.dtype).contiguous().clone();
    });
    out.set(name, t);
  };
  const hasOwn = (param: string): boolean => own.has(u.path ? `${u.path}.${param}` : param);
  // (kh, kw, in, out) -> [out, in, kh, kw]; a Dense (in, out) kernel -> [out, in]
  const convKernel = (k: Tensor): Tensor => (k.ndim === 4 ? k.permute([3, 2, 0, 1]) : k.t());
  // (kh, kw, C, M) -> [C*M, 1, kh, kw]
  const dwKernel = (k: Tensor): Tensor => {
    if (k.ndim !== 4) throw new Error(`Keras weight '${layer}/depthwise_kernel' has shape ${shapeStr(k.shape)}, expected (kh, kw, C, M)`);
    const [kh, kw, c, m] = k.shape;
    return k.permute([2, 3, 0, 1]).reshape([c * m, 1, kh, kw]);
  };
  const bias = (param: string): void => {
    const b = take('bias', hasOwn(param));
    if (b) put(param, 'bias', () => b);
  };

  switch (u.kind) {
    case 'conv': {
      const k = take('kernel')!;
      put('weight', 'kernel', () => convKernel(k));
      bias('bias');
      break;
    }
    case 'depthwise': {
      const k = take('depthwise_kernel')!;
      put('weight', 'depthwise_kernel', () => dwKernel(k));
      bias('bias');
      break;
    }
    case 'separable': {
      const dk = take('depthwise_kernel')!;
      const pk = take('pointwise_kernel')!;
      put('depthwise.weight', 'depthwise_kernel', () => dwKernel(dk));
      put('pointwise.weight', 'pointwise_kernel', () => convKernel(pk));
      bias('pointwise.bias');
      break;
    }
    case 'dense': {
      const k = take('kernel')!;
      // a 1x1 conv kernel (1, 1, in, out) read as Dense (in, out)
      put('weight', 'kernel', () => (k.ndim === 4 ? k.reshape([k.shape[2], k.shape[3]]).t() : k.t()));
      bias('bias');
      break;
    }
    case 'bn': {
      const gamma = take('gamma', false);
      const beta = take('beta', false);
      const mean = take('moving_mean')!;
      const variance = take('moving_variance')!;
      const c = mean.shape[0];
      if (hasOwn('weight')) put('weight', 'gamma', () => gamma ?? ones([c]));
      else if (gamma) throw new Error(`Keras layer '${layer}' has gamma but model module '${u.path}' has no scale (BatchNorm2d with scale: false)`);
      if (hasOwn('bias')) put('bias', 'beta', () => beta ?? zeros([c]));
      else if (beta) throw new Error(`Keras layer '${layer}' has beta but model module '${u.path}' has no bias`);
      put('running_mean', 'moving_mean', () => mean);
      put('running_var', 'moving_variance', () => variance);
      if (hasOwn('num_batches_tracked')) {
        const name = u.path ? `${u.path}.num_batches_tracked` : 'num_batches_tracked';
        out.set(name, tidy(() => own.get(name)!.clone()));
      }
      break;
    }
  }
  const extra = [...ws.keys()].filter((w) => !used.has(w));
  if (extra.length) throw new Error(`Keras layer '${layer}' (for ${u.path}): unexpected weight(s) ${extra.join(', ')}`);
}

