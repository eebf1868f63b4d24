// Resume checkpoints: state packing, atomic layout, and a run killed with SIGKILL mid-epoch and
// resumed ending with exactly the metrics of an uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/torch/index.js';
import { fit } from '../../src/train/fit.js';
import { loadCheckpoint, readManifest } from '../../src/train/checkpoint.js';
import { packState, unpackState } from '../../src/train/state-pack.js';
import { EarlyStopping } from '../../src/train/callbacks/early-stopping.js';
import { blobData, MiniAdam, stableHistory, TinyCNN } from './helpers.js';

T.setNumThreads(1);
const CHILD = fileURLToPath(new URL('./fit-child.js', import.meta.url));

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'fovea-ckpt-'));
}

interface ChildResult {
  history: Record<string, number>[];
  fcWeight: number[];
}

function runChild(env: Record<string, string>, killWhen?: () => boolean): Promise<{ result: ChildResult | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CHILD], { env: { ...process.env, FOVEA_FIT_CHILD: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let timer: NodeJS.Timeout | undefined;
    if (killWhen) {
      timer = setInterval(() => {
        if (killWhen()) {
          clearInterval(timer);
          p.kill('SIGKILL');
        }
      }, 5);
    }
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      if (signal === null && code !== 0) return reject(new Error(`child exited ${code}: ${err}`));
      resolve({ result: out.trim() ? (JSON.parse(out.trim()) as ChildResult) : null, signal, stderr: err });
    });
  });
}

test('packState round-trips tensors, Maps, non-finite numbers and undefined', () => {
  const t = T.tensor([1, 2, 3]);
  const tensors = new Map<string, T.Tensor>();
  const json = packState({ a: Infinity, b: -Infinity, c: NaN, d: undefined, m: new Map([[1, t]]), l: [t, 'x'], f: new Float32Array([0.5]) }, 's', tensors);
  const back = unpackState(JSON.parse(JSON.stringify(json)), tensors) as Record<string, unknown>;
  assert.equal(back.a, Infinity);
  assert.equal(back.b, -Infinity);
  assert.ok(Number.isNaN(back.c));
  assert.ok('d' in back && back.d === undefined);
  assert.equal((back.m as Map<number, T.Tensor>).get(1), t);
  assert.deepEqual(back.f, new Float32Array([0.5]));
  assert.equal(tensors.size, 2);
});

test('checkpoints: one folder per save, manifest last, older folders removed, completed runs resume as done', async () => {
  const dir = tmp();
  try {
    T.manualSeed(0);
    const model = new TinyCNN();
    const d = blobData(96, 3);
    const opts = { epochs: 3, batchSize: 32, seed: 1, verbose: 0 as const, checkpointDir: dir, validationSplit: 0.25, callbacks: [new EarlyStopping({ patience: 5 })] };
    const h = await fit(model, [d.x, d.y], { ...opts, optimizer: new MiniAdam(model.trainableParameters()) });
    const m = readManifest(dir)!;
    assert.equal(m.epoch, 2);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('ckpt-')), ['ckpt-000002']);
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temporary files left');
    const ck = loadCheckpoint(dir)!;
    assert.equal(ck.state.epoch, 2);
    assert.deepEqual(ck.state.history, h.epochs);
    const es = ck.state.callbacks.EarlyStopping as { best: number; wait: number };
    assert.equal(typeof es.best, 'number');
    assert.ok(ck.state.rng.dtype === 'uint8');
    // resuming a finished run trains nothing and returns the stored history
    const model2 = new TinyCNN();
    const h2 = await fit(model2, [d.x, d.y], { ...opts, optimizer: new MiniAdam(model2.trainableParameters()), resume: true, callbacks: [new EarlyStopping({ patience: 5 })] });
    assert.deepEqual(h2.epochs, h.epochs);
    assert.deepEqual(model2.stateDict().get('fc.weight')!.dataNumbers(), model.stateDict().get('fc.weight')!.dataNumbers());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run killed with SIGKILL mid-epoch and resumed ends exactly like an uninterrupted run', async () => {
  const killedDir = tmp();
  const refDir = tmp();
  try {
    const ref = await runChild({ FOVEA_FIT_CKPT: refDir });
    assert.ok(ref.result, `reference run printed nothing: ${ref.stderr}`);
    // kill as soon as the first checkpoint exists (batches are slowed so it is mid-epoch 2)
    const killed = await runChild({ FOVEA_FIT_CKPT: killedDir, FOVEA_FIT_SLOW_MS: '50' }, () => existsSync(join(killedDir, 'checkpoint.json')));
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(killed.result, null);
    const m = readManifest(killedDir)!;
    assert.ok(m.epoch < 3, `killed after epoch ${m.epoch}`);
    const resumed = await runChild({ FOVEA_FIT_CKPT: killedDir, FOVEA_FIT_RESUME: '1' });
    assert.ok(resumed.result, resumed.stderr);
    assert.equal(resumed.result.history.length, 4);
    assert.deepEqual(stableHistory(resumed.result.history), stableHistory(ref.result.history));
    assert.deepEqual(resumed.result.fcWeight, ref.result.fcWeight);
    const lines = (p: string) => readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    const jl = lines(join(killedDir, 'history.jsonl'));
    assert.deepEqual(jl.map((l) => l.epoch), [0, 1, 2, 3], 'history.jsonl: one line per epoch, no duplicates');
    assert.deepEqual(stableHistory(jl), stableHistory(lines(join(refDir, 'history.jsonl'))));
  } finally {
    rmSync(killedDir, { recursive: true, force: true });
    rmSync(refDir, { recursive: true, force: true });
  }
});

test('with the real Adam and a per-step OneCycle schedule, a crashed run resumes exactly; memory stays flat', async () => {
  const { Adam } = await import('../../src/train/optim/adam.js');
  const { OneCycleLR } = await import('../../src/train/schedules/onecycle.js');
  const { LambdaCallback } = await import('../../src/train/callbacks/lambda.js');
  const d = blobData(160, 8);
  const counts: number[] = [];
  const run = async (dir: string | undefined, o: { crashAt?: number; resume?: boolean } = {}) => {
    T.manualSeed(2);
    const model = new TinyCNN(0.3);
    const optimizer = new Adam(model.trainableParameters(), { lr: 1e-3 });
    const schedule = new OneCycleLR(optimizer, { maxLr: 1e-2, epochs: 4, stepsPerEpoch: 4 });
    const crash = new LambdaCallback({
      onBatchEnd: (ctx, b) => {
        if (ctx.epoch === o.crashAt && b === 1) throw new Error('simulated crash');
      },
      onEpochEnd: () => void counts.push(T.memory().tensors),
    });
    const h = await fit(model, [d.x, d.y], { epochs: 4, batchSize: 32, optimizer, schedule, validationSplit: 0.2, seed: 4, verbose: 0, callbacks: [crash], checkpointDir: dir, resume: o.resume });
    return { h, w: model.stateDict().get('conv1.weight')!.dataNumbers(), lr: optimizer.paramGroups[0].lr };
  };
  const ref = await run(undefined);
  assert.ok(ref.h.epochs[1].lr > ref.h.epochs[0].lr, 'OneCycle warms up per step');
  const dir = tmp();
  try {
    counts.length = 0;
    await assert.rejects(run(dir, { crashAt: 2 }), /simulated crash/);
    // never more live tensors than after the first epoch (the GC may free earlier garbage meanwhile)
    assert.ok(counts.every((c) => c <= counts[0]), `live tensors at epoch ends with checkpoints: ${counts.join(', ')}`);
    assert.equal(readManifest(dir)!.epoch, 1);
    const resumed = await run(dir, { resume: true });
    assert.deepEqual(stableHistory(resumed.h.epochs), stableHistory(ref.h.epochs));
    assert.deepEqual(resumed.w, ref.w);
    assert.equal(resumed.lr, ref.lr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
