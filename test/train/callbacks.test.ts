// Callbacks: EarlyStopping, ModelCheckpoint, CSV and JSON-lines loggers, LR logger, progress
// bar, lambda hooks and their order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../../src/torch/index.js';
import { fit, type FitOptions } from '../../src/train/fit.js';
import { CSVLogger, EarlyStopping, JsonlLogger, LambdaCallback, LRLogger, ModelCheckpoint, ProgressBar, resolveMode } from '../../src/train/callbacks/index.js';
import type { Callback } from '../../src/train/callbacks/callback.js';
import { blobData, MiniAdam, TinyCNN } from './helpers.js';

T.setNumThreads(1);

const data = blobData(128, 5);

async function run(callbacks: Callback[], o: Partial<FitOptions> = {}) {
  T.manualSeed(0);
  const model = new TinyCNN();
  const history = await fit(model, [data.x, data.y], {
    epochs: 4,
    batchSize: 32,
    optimizer: new MiniAdam(model.trainableParameters()),
    validationSplit: 0.25,
    seed: 0,
    verbose: 0,
    callbacks,
    ...o,
  });
  return { model, history };
}

/** Puts a scripted value under logs.score each epoch (runs before the callbacks after it). */
function scripted(values: number[]): LambdaCallback {
  return new LambdaCallback({ onEpochEnd: (_c, epoch, logs) => void (logs.score = values[epoch]) });
}

test('EarlyStopping stops after patience epochs without improvement and restores the best weights', async () => {
  const snapshots: number[][] = [];
  const snap = new LambdaCallback({ onEpochEnd: (ctx) => void snapshots.push(ctx.model.stateDict().get('fc.weight')!.dataNumbers()) });
  const es = new EarlyStopping({ monitor: 'score', mode: 'min', patience: 2, restoreBestWeights: true });
  const { model, history } = await run([scripted([3, 1, 2, 2.5, 0]), snap, es], { epochs: 5 });
  assert.equal(history.epochs.length, 4, 'stopped after epoch 3 (best 1, two worse epochs)');
  assert.equal(es.stoppedEpoch, 3);
  assert.equal(es.bestEpoch, 1);
  assert.equal(es.best, 1);
  assert.deepEqual(model.stateDict().get('fc.weight')!.dataNumbers(), snapshots[1], 'weights of epoch 1 restored');
});

test('EarlyStopping restores the best weights also when training uses every epoch (Keras 3)', async () => {
  const snapshots: number[][] = [];
  const snap = new LambdaCallback({ onEpochEnd: (ctx) => void snapshots.push(ctx.model.stateDict().get('fc.weight')!.dataNumbers()) });
  const es = new EarlyStopping({ monitor: 'score', mode: 'max', patience: 10, restoreBestWeights: true });
  const { model, history } = await run([scripted([0.2, 0.8, 0.5, 0.6]), snap, es], { epochs: 4 });
  assert.equal(history.epochs.length, 4, 'not stopped');
  assert.equal(es.stoppedEpoch, -1);
  assert.notDeepEqual(snapshots[3], snapshots[1], 'the weights changed after the best epoch');
  assert.deepEqual(model.stateDict().get('fc.weight')!.dataNumbers(), snapshots[1], 'weights of epoch 1 restored');
});

test('EarlyStopping min_delta and auto mode', async () => {
  assert.equal(resolveMode('val_accuracy'), 'max');
  assert.equal(resolveMode('val_loss'), 'min');
  assert.equal(resolveMode('val_top5'), 'max');
  const es = new EarlyStopping({ monitor: 'score', mode: 'max', patience: 1, minDelta: 0.1 });
  const { history } = await run([scripted([0.5, 0.55, 0.9]), es], { epochs: 3 });
  assert.equal(history.epochs.length, 2, '+0.05 is below minDelta: stop after epoch 1');
});

test('ModelCheckpoint writes best and last weights', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fovea-mc-'));
  try {
    const mc = new ModelCheckpoint(dir, { monitor: 'score', mode: 'max' });
    let bestWeights: number[] = [];
    const snap = new LambdaCallback({ onEpochEnd: (ctx, e) => void (e === 1 && (bestWeights = ctx.model.stateDict().get('fc.weight')!.dataNumbers())) });
    const { model } = await run([scripted([0.1, 0.9, 0.5, 0.2]), snap, mc]);
    assert.ok(existsSync(mc.bestPath) && existsSync(mc.lastPath));
    const best = T.loadSafetensors(mc.bestPath);
    assert.equal(best.metadata.epoch, '1');
    assert.deepEqual(best.tensors.get('fc.weight')!.dataNumbers(), bestWeights);
    const last = T.loadSafetensors(mc.lastPath);
    assert.equal(last.metadata.epoch, '3');
    assert.deepEqual(last.tensors.get('fc.weight')!.dataNumbers(), model.stateDict().get('fc.weight')!.dataNumbers());
    assert.equal(mc.bestEpoch, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('JSON-lines and CSV loggers write one record per epoch; LRLogger one per step', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fovea-log-'));
  try {
    const lr = new LRLogger(join(dir, 'lr.csv'));
    const { history } = await run([new JsonlLogger(join(dir, 'history.jsonl')), new CSVLogger(join(dir, 'log.csv')), lr], { epochs: 3 });
    const lines = readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    const recs = lines.map((l) => JSON.parse(l) as Record<string, number>);
    assert.deepEqual(recs.map((r) => r.epoch), [0, 1, 2]);
    assert.equal(recs[2].val_loss, history.epochs[2].val_loss);
    const csv = readFileSync(join(dir, 'log.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 4);
    const head = csv[0].split(',');
    assert.equal(head[0], 'epoch');
    assert.ok(head.includes('val_accuracy'));
    assert.equal(Number(csv[3].split(',')[head.indexOf('loss')]), history.epochs[2].loss);
    assert.equal(lr.records.length, 3 * 3, '96 training examples / 32 = 3 steps per epoch');
    assert.equal(readFileSync(join(dir, 'lr.csv'), 'utf8').trim().split('\n').length, 1 + 9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ProgressBar: plain lines per epoch off a TTY, a redrawn line with ETA on one', async () => {
  const plain: string[] = [];
  await run([new ProgressBar({ stream: { write: (s: string) => plain.push(s) }, tty: false })], { epochs: 2 });
  assert.equal(plain.length, 2);
  assert.match(plain[0], /^Epoch 1\/2 .*loss .*val_accuracy .*img\/s\n$/);
  const tty: string[] = [];
  await run([new ProgressBar({ stream: { write: (s: string) => tty.push(s), isTTY: true, columns: 200 }, intervalMs: 0 })], { epochs: 1 });
  const redraws = tty.filter((s) => s.includes('ETA'));
  assert.equal(redraws.length, 3, 'one redraw per batch');
  assert.match(redraws[0], /^\r\x1b\[2KEpoch 1\/1 1\/3 \[.*\] loss .* img\/s {2}ETA/);
  assert.ok(tty[tty.length - 1].endsWith('\n'));
});

test('hooks run in Keras order and stopTraining from a batch hook ends training', async () => {
  const events: string[] = [];
  const cb = new LambdaCallback({
    onTrainBegin: () => void events.push('trainBegin'),
    onEpochBegin: (_c, e) => void events.push(`epochBegin${e}`),
    onBatchBegin: (_c, b) => void events.push(`batchBegin${b}`),
    onBatchEnd: (ctx, b, logs) => {
      events.push(`batchEnd${b}`);
      assert.equal(typeof logs.loss, 'number');
      if (ctx.epoch === 1 && b === 1) ctx.stopTraining = true;
    },
    onEpochEnd: (_c, e) => void events.push(`epochEnd${e}`),
    onTrainEnd: () => void events.push('trainEnd'),
  });
  const { history } = await run([cb]);
  assert.deepEqual(events, [
    'trainBegin',
    'epochBegin0', 'batchBegin0', 'batchEnd0', 'batchBegin1', 'batchEnd1', 'batchBegin2', 'batchEnd2', 'epochEnd0',
    'epochBegin1', 'batchBegin0', 'batchEnd0', 'batchBegin1', 'batchEnd1', 'epochEnd1',
    'trainEnd',
  ]);
  assert.equal(history.epochs.length, 2);
});
