// Weight import: one entry point for every format Fovea reads (safetensors, PyTorch zip
// checkpoints, ONNX, TF.js layers models), detected from the file's content and name, mapped
// onto a zoo model's torch-style state dict and loaded. Nothing is downloaded.
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { loadSafetensors, type Tensor } from '../../torch/index.js';
import type { Module } from '../../nn/module.js';
import { loadTorchStateDict } from './pytorch.js';
import { mapOnnxToModel, readOnnx } from './onnx.js';
import { kerasToFovea, readTfjsLayersModel } from './tfjs.js';

export { readTorchFile, loadTorchStateDict, isTorchZip, type TorchFile } from './pytorch.js';
export { readOnnx, onnxLayers, onnxValues, mapOnnxToModel, type OnnxModel, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxLayer, type WeightMapping } from './onnx.js';
export { unpickle, PyGlobal, PyObject } from './pickle.js';
export { ZipArchive } from './zip.js';
export { readTfjsLayersModel, kerasToFovea } from './tfjs.js';

export type WeightFormat = 'safetensors' | 'pytorch' | 'onnx' | 'tfjs';

export interface ImportReport {
  format: WeightFormat;
  /** Model parameters and buffers set from the file. */
  loaded: string[];
  /** Entries of the file the model has no place for, or (skipMismatched) that do not fit. */
  skipped: string[];
  /** Model parameters and buffers the file did not set (batch-norm counters not listed). */
  missing: string[];
}

export interface ImportOptions {
  /** Fail when a model parameter gets no value (default true). Shape mismatches always fail unless skipMismatched. */
  strict?: boolean;
  /** Leave parameters whose shapes differ (e.g. a classifier for another class count) and report them as skipped. */
  skipMismatched?: boolean;
  /** Force the format instead of detecting it. */
  format?: WeightFormat;
}

export class WeightImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightImportError';
  }
}

function head(path: string, n: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const b = new Uint8Array(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** The format of a weights file or folder, from its content (and its name when the content is ambiguous). */
export function detectWeightFormat(path: string): WeightFormat {
  if (!existsSync(path)) throw new WeightImportError(`weights '${path}' do not exist`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'model.json'))) return 'tfjs';
    throw new WeightImportError(`weights folder '${path}' has no model.json (a TF.js layers model folder is expected)`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.json' || basename(path) === 'model.json') return 'tfjs';
  const b = head(path, 16);
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return 'pytorch';
  if (b.length >= 9) {
    const n = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
    if (b[8] === 0x7b && n > 0 && n < statSync(path).size) return 'safetensors';
  }
  if (ext === '.onnx' || (b.length > 2 && b[0] === 0x08)) return 'onnx';
  if (ext === '.safetensors') return 'safetensors';
  if (ext === '.pt' || ext === '.pth' || ext === '.bin' || ext === '.ckpt') return 'pytorch';
  throw new WeightImportError(`cannot tell the format of '${path}' (expected .safetensors, a PyTorch .pt/.pth/.bin zip checkpoint, .onnx, or a TF.js model.json / folder)`);
}

/** The weights of a file as the model's torch-style state dict (the caller owns the tensors). */
export async function readWeightsFor(path: string, model: Module, o: ImportOptions = {}): Promise<{ format: WeightFormat; state: Map<string, Tensor>; skipped: string[] }> {
  const format = o.format ?? detectWeightFormat(path);
  try {
    switch (format) {
      case 'safetensors':
        return { format, state: loadSafetensors(path).tensors, skipped: [] };
      case 'pytorch':
        return { format, state: loadTorchStateDict(path), skipped: [] };
      case 'onnx': {
        const r = mapOnnxToModel(readOnnx(path), model, { source: path, skipMismatched: o.skipMismatched });
        return { format, state: r.state, skipped: r.skipped };
      }
      case 'tfjs': {
        const { weights } = await readTfjsLayersModel(path);
        let state: Map<string, Tensor> | undefined;
        try {
          state = kerasToFovea(weights, model);
          return { format, state, skipped: [] };
        } finally {
          const kept = new Set(state?.values() ?? []);
          for (const t of weights.values()) if (!kept.has(t) && !t.isDisposed) t.dispose();
        }
      }
    }
  } catch (e) {
    if (e instanceof WeightImportError) throw e;
    throw new WeightImportError((e as Error).message.startsWith(path) ? (e as Error).message : `${path}: ${(e as Error).message}`);
  }
}

const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Loads named tensors into a model: mismatched shapes fail (or, skipMismatched, are skipped),
 * missing parameters fail when strict, entries the model has no place for are reported as
 * skipped. The tensors stay the caller's.
 */
export function applyWeights(model: Module, state: Map<string, Tensor>, o: ImportOptions & { source?: string } = {}): Omit<ImportReport, 'format'> {
  const own = model.stateDict();
  const src = o.source ?? 'weights';
  const loaded: string[] = [];
  const skipped: string[] = [];
  const mismatched: string[] = [];
  const use = new Map<string, Tensor>();
  for (const [k, t] of state) {
    const mine = own.get(k);
    if (!mine) {
      skipped.push(k);
      continue;
    }
    if (mine.shape.length !== t.shape.length || mine.shape.some((d, i) => d !== t.shape[i])) {
      // a scalar counter stored as [1] (or the other way round) is the same value
      if (mine.shape.reduce((a, b) => a * b, 1) === 1 && t.shape.reduce((a, b) => a * b, 1) === 1) {
        use.set(k, t.reshape(mine.shape));
        loaded.push(k);
        continue;
      }
      const msg = `${k}: model ${shapeStr(mine.shape)} vs ${src} ${shapeStr(t.shape)}`;
      if (o.skipMismatched) skipped.push(msg);
      else mismatched.push(msg);
      continue;
    }
    use.set(k, t);
    loaded.push(k);
  }
  if (mismatched.length) throw new WeightImportError(`${src}: shape mismatch: ${mismatched.join('; ')}`);
  const missing = [...own.keys()].filter((k) => !use.has(k) && !k.endsWith('num_batches_tracked'));
  const skippedNames = new Set(skipped.map((s) => s.split(':')[0]));
  const reallyMissing = missing.filter((k) => !skippedNames.has(k));
  if ((o.strict ?? true) && reallyMissing.length) {
    throw new WeightImportError(`${src}: missing ${reallyMissing.length} parameter${reallyMissing.length > 1 ? 's' : ''}: ${reallyMissing.slice(0, 20).join(', ')}${reallyMissing.length > 20 ? ', ...' : ''}`);
  }
  try {
    model.loadStateDict(use, { strict: false });
  } finally {
    for (const [k, t] of use) if (t !== state.get(k)) t.dispose();
  }
  return { loaded, skipped, missing };
}

/**
 * Imports a weights file (safetensors, PyTorch .pt/.pth/.bin, ONNX, TF.js layers model folder or
 * model.json) into a zoo model and reports what was loaded, skipped and left missing.
 */
export async function importWeights(path: string, model: Module, o: ImportOptions = {}): Promise<ImportReport> {
  const { format, state, skipped } = await readWeightsFor(path, model, o);
  try {
    const r = applyWeights(model, state, { ...o, source: path });
    return { format, loaded: r.loaded, skipped: [...skipped, ...r.skipped], missing: r.missing };
  } finally {
    for (const t of state.values()) t.dispose();
  }
}
