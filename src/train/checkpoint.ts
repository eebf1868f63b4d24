// Resume checkpoints: model weights, optimiser and schedule state, RNG states, epoch, history
// and callback states. Each checkpoint is a folder ckpt-NNNNNN/ of files written atomically
// (temporary file, fsync, rename); the manifest checkpoint.json is written last and names the
// folder, so a kill at any moment leaves the previous manifest and its complete folder.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';
import { writeFileAtomic } from '../util/atomic.js';
import { packState, unpackState } from './state-pack.js';
import type { Logs } from './types.js';

export const MANIFEST = 'checkpoint.json';
const FORMAT = 'fovea-checkpoint';

export interface TrainingState {
  /** Last completed epoch (0-based); a resumed run starts at epoch + 1. */
  epoch: number;
  /** Per-epoch logs so far. */
  history: Logs[];
  /** Training ended early (a callback set stopTraining). */
  stopped: boolean;
  seed: number;
  optimizer: unknown;
  schedule: unknown;
  callbacks: Record<string, unknown>;
  /** State of the data source's own generators, if it has any. */
  data: Record<string, unknown> | null;
  /** libtorch's default generator state (dropout, random ops). */
  rng: Tensor;
}

export interface Manifest {
  format: string;
  version: number;
  epoch: number;
  folder: string;
  files: Record<string, number>;
  time: string;
}

/** Writes a checkpoint for `state` and then the manifest; older checkpoint folders are removed. */
export function saveCheckpoint(dir: string, model: Module, state: TrainingState, opts: { keep?: number } = {}): string {
  mkdirSync(dir, { recursive: true });
  const folder = `ckpt-${String(state.epoch).padStart(6, '0')}`;
  const path = join(dir, folder);
  mkdirSync(path, { recursive: true });
  const tensors = new Map<string, Tensor>();
  const json = packState(
    {
      epoch: state.epoch,
      history: state.history,
      stopped: state.stopped,
      seed: state.seed,
      optimizer: state.optimizer,
      schedule: state.schedule,
      callbacks: state.callbacks,
      data: state.data,
      rng: state.rng,
    },
    'state',
    tensors,
  );
  T.saveSafetensors(join(path, 'model.safetensors'), model.stateDict());
  T.saveSafetensors(join(path, 'state.safetensors'), tensors);
  writeFileAtomic(join(path, 'state.json'), JSON.stringify(json));
  const files: Record<string, number> = {};
  for (const f of ['model.safetensors', 'state.safetensors', 'state.json']) files[f] = statSync(join(path, f)).size;
  const manifest: Manifest = { format: FORMAT, version: 1, epoch: state.epoch, folder, files, time: new Date().toISOString() };
  writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 2));
  // only now may older folders go
  const keep = Math.max(1, opts.keep ?? 1);
  const older = readdirSync(dir)
    .filter((f) => /^ckpt-\d+$/.test(f) && f !== folder)
    .sort();
  for (const f of older.slice(0, Math.max(0, older.length - (keep - 1)))) rmSync(join(dir, f), { recursive: true, force: true });
  return path;
}

export function readManifest(dir: string): Manifest | null {
  const p = join(dir, MANIFEST);
  if (!existsSync(p)) return null;
  const m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  if (m.format !== FORMAT) throw new Error(`${p}: not a Fovea checkpoint manifest`);
  return m;
}

export interface LoadedCheckpoint {
  manifest: Manifest;
  /** Model weights by name (the caller owns these tensors). */
  weights: Map<string, Tensor>;
  state: TrainingState;
  /** Every tensor the state refers to, for disposal once restored. */
  stateTensors: Map<string, Tensor>;
}

/** Reads the checkpoint the manifest names, or null when the folder has none. */
export function loadCheckpoint(dir: string): LoadedCheckpoint | null {
  const manifest = readManifest(dir);
  if (!manifest) return null;
  const path = join(dir, manifest.folder);
  for (const [f, size] of Object.entries(manifest.files)) {
    const actual = statSync(join(path, f)).size;
    if (actual !== size) throw new Error(`checkpoint ${path}: ${f} has ${actual} bytes, the manifest says ${size}`);
  }
  const weights = T.loadSafetensors(join(path, 'model.safetensors')).tensors;
  const stateTensors = T.loadSafetensors(join(path, 'state.safetensors')).tensors;
  const state = unpackState(JSON.parse(readFileSync(join(path, 'state.json'), 'utf8')), stateTensors) as TrainingState;
  return { manifest, weights, state, stateTensors };
}

/** Loads the newest checkpoint's weights into a model (e.g. for evaluation); false when none. */
export function loadCheckpointWeights(dir: string, model: Module): boolean {
  const ck = loadCheckpoint(dir);
  if (!ck) return false;
  model.loadStateDict(ck.weights);
  T.dispose([ck.weights, ck.stateTensors]);
  return true;
}
