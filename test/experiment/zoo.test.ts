// Zoo architectures from experiment configs, end to end on a tiny registered architecture:
// pretrained weights, freezing, a layer-list head, gradual unfreezing with discriminative rates,
// the feature cache (and its disk copy), the saved run, `fovea summary`, and errors naming keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../../src/torch/index.js';
import { registerArch } from '../../src/models/index.js';
import { loadConfig } from '../../src/experiment/load.js';
import { runExperiment } from '../../src/experiment/run.js';
import { openRun } from '../../src/experiment/saved-run.js';
import { explainFile } from '../../src/experiment/explain-file.js';
import { configSummary } from '../../src/cli/zoo-commands.js';
import { zooOptimizer } from '../../src/experiment/zoo.js';
import { TinyZoo } from '../models/tiny-zoo.js';
import { colourClasses, tempDir } from '../data/fixtures.js';

T.setNumThreads(1);
registerArch('tiny_zoo_test', (o) => new TinyZoo(o.numClasses ?? 3), { inputSize: [3, 16, 16], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });

const tmp = tempDir('zoo-run');
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
process.env.FOVEA_CACHE = join(tmp, 'cache');

const data = join(tmp, 'images');
const weights = join(tmp, 'pre.safetensors');
let pre: Map<string, T.Tensor>;

function config(extra: string, name = 'zoo-e2e'): string {
  const path = join(tmp, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
seed: 0
threads: 1
data: {root: ${data}, split: {val: 0.25, test: 0.25}, image_size: 16}
model:
  arch: tiny_zoo_test
  weights: ${weights}
  head: [{type: GlobalAveragePooling2D}, {type: Dense, units: 3}]
${extra}
output: {dir: ${join(tmp, 'runs')}}
`,
  );
  return path;
}

test('set-up: images and "pretrained" weights', async () => {
  await colourClasses(data, ['blue', 'green', 'red'], 12);
  T.manualSeed(42);
  const m = new TinyZoo();
  T.saveSafetensors(weights, m.stateDict());
  pre = T.loadSafetensors(weights).tensors;
  m.dispose();
});

test('frozen backbone + gradual unfreezing + discriminative rates: cached prefix, untouched frozen weights, a run that reopens', async () => {
  const cfg = loadConfig(
    config(`  freeze: all
train:
  epochs: 4
  batch_size: 8
  optimizer: {name: adam, lr: 0.01}
  gradual_unfreezing: {every: 2, down_to: features.2}
  block_lr_decay: 0.5`),
  );
  const lines: string[] = [];
  const r = await runExperiment(cfg, { verbose: 0, log: (l) => lines.push(l) });
  const log = lines.join('\n');
  assert.match(log, /model: tiny weights from .*pre\.safetensors \(safetensors\): 18 tensors loaded; newly initialised: head\.dense\.(weight|kernel), head\.dense\.bias/);
  assert.match(log, /gradual unfreezing: 1 step of 1 block every 2 epochs from epoch 3: features\.2/);
  assert.match(log, /feature cache: frozen prefix features\.0\.\.features\.1 \(2 steps; block features\.2 is unfrozen later\)/);
  assert.match(log, /gradual unfreezing: epoch 3: 1 of 1 groups trainable \(features\.2\)/);
  assert.equal(r.epochs, 4);
  assert.ok(typeof r.test.accuracy === 'number');
  const trained = T.loadSafetensors(join(r.run_dir, 'model.safetensors')).tensors;
  const same = (k: string): boolean => T.tidy(() => trained.get(k)!.sub(pre.get(k)!).abs().max().item()) === 0;
  assert.ok(same('features.0.conv.0.weight') && same('features.1.conv.1.running_mean'), 'the cached prefix is unchanged');
  assert.ok(!same('features.2.conv.0.weight'), 'the unfrozen block trained');
  // Grad-CAM on the last feature block for the report's gallery
  assert.ok(readdirSync(join(r.run_dir, 'cam')).some((f) => f.endsWith('-gradcam.png')));
  assert.ok(!log.includes('cam gallery: skipped'));
  const summary = readFileSync(join(r.run_dir, 'summary.txt'), 'utf8');
  assert.match(summary, /Block \(type\) +Output Shape +Param # +Trainable +Frozen +MACs/);
  assert.match(summary, /head\.dense \(Dense\) +\(None, 3\) +51 +51 +0/);
  // the saved run rebuilds the same model (surgery, no weight import) and normalises as in training
  const run = openRun(r.run_dir);
  const h = JSON.parse(readFileSync(join(r.run_dir, 'history.jsonl'), 'utf8').trim().split('\n').at(-1)!) as Record<string, number>;
  assert.equal(typeof h.val_accuracy, 'number');
  assert.deepEqual([...run.model.stateDict().keys()], [...trained.keys()]);
  const x = await run.decode(join(data, 'red', 'img0.png'));
  const input = run.toInput(x);
  const mean = T.tidy(() => input.mean([0, 2, 3]).dataNumbers());
  // 0..1 pixels minus 0.5 over 0.25: the tiny architecture's mean/std were applied (the third
  // class folder holds the colour [40, 40, 220])
  assert.ok(Math.abs(mean[2] - (220 / 255 - 0.5) / 0.25) < 0.15 && Math.abs(mean[0] - (40 / 255 - 0.5) / 0.25) < 0.15, `normalised input means ${mean}`);
  input.dispose();
  // fovea explain on a zoo run: Grad-CAM of a named block, feature maps; CAM is for Keras heads
  const g = await explainFile(run, join(data, 'red', 'img0.png'), { method: 'gradcam', layer: 'features.1' });
  assert.equal(g.layer, 'features.1');
  assert.equal(g.image.width, 16);
  const fm = await explainFile(run, join(data, 'red', 'img0.png'), { method: 'features' });
  assert.equal(fm.layer, 'final_relu');
  await assert.rejects(explainFile(run, join(data, 'red', 'img0.png'), { method: 'cam' }), /CAM needs a Keras-style network/);
  await assert.rejects(explainFile(run, join(data, 'red', 'img0.png'), { method: 'gradcam', layer: 'head.dense' }), /gives \[1, 3\], not feature maps/);
  await assert.rejects(explainFile(run, join(data, 'red', 'img0.png'), { method: 'gradcam', layer: 'nope' }), /no layer 'nope'; blocks: features\.0/);
  T.dispose(trained);
});

test('head-only training caches pooled features on disk; a second run loads them', async () => {
  const path = config(`  freeze: all
train: {epochs: 2, batch_size: 8, optimizer: {name: adam, lr: 0.01}}`, 'zoo-head');
  const lines: string[] = [];
  await runExperiment(loadConfig(path), { outDir: join(tmp, 'runs', 'h1'), verbose: 0, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /feature cache: frozen prefix features\.0\.\.head\.global_average_pooling2d .*features \[16\].*saved to/.test(l)), lines.join('\n'));
  const again: string[] = [];
  const r = await runExperiment(loadConfig(path), { outDir: join(tmp, 'runs', 'h2'), verbose: 0, log: (l) => again.push(l) });
  assert.ok(again.some((l) => /feature cache: .*loaded from .*features-[0-9a-f]+\.safetensors/.test(l)), again.join('\n'));
  assert.equal(r.params.trainable, 16 * 3 + 3);
  // augmented training images: no cache unless copies are asked for
  const aug: string[] = [];
  await runExperiment(loadConfig(path, { set: ['augment.horizontal_flip=true'] }), { outDir: join(tmp, 'runs', 'h3'), verbose: 0, log: (l) => aug.push(l) });
  assert.ok(aug.some((l) => /feature cache: off \(the training images are augmented/.test(l)));
  const copies: string[] = [];
  await runExperiment(loadConfig(path, { set: ['augment.horizontal_flip=true', 'train.feature_cache={copies: 2}'] }), { outDir: join(tmp, 'runs', 'h4'), verbose: 0, log: (l) => copies.push(l) });
  assert.ok(copies.some((l) => /feature cache: .*train 18 x 2 copies/.test(l)), copies.join('\n'));
});

test('a resumed zoo run (feature cache, gradual unfreezing in the resumed part) equals an uninterrupted one', async () => {
  const extra = (epochs: number): string => `  freeze: all
train:
  epochs: ${epochs}
  batch_size: 8
  optimizer: {name: adam, lr: 0.01}
  gradual_unfreezing: {every: 1, start: 2, down_to: features.1}
  block_lr_decay: 0.5`;
  const quiet = { verbose: 0 as const, log: () => {} };
  const full = await runExperiment(loadConfig(config(extra(4), 'zoo-full')), { ...quiet, outDir: join(tmp, 'runs', 'full') });
  const leg = join(tmp, 'runs', 'legs');
  await runExperiment(loadConfig(config(extra(2), 'zoo-legs')), { ...quiet, outDir: leg });
  rmSync(join(leg, 'result.json'));
  const resumed = await runExperiment(loadConfig(config(extra(4), 'zoo-legs')), { ...quiet, outDir: leg, resume: true });
  const hist = (dir: string): Record<string, number>[] => readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  const a = hist(full.run_dir);
  const b = hist(resumed.run_dir);
  assert.equal(b.length, 4);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(a[i].loss - b[i].loss) < 1e-6 && a[i].val_loss === b[i].val_loss, `epoch ${i}: ${a[i].loss} vs ${b[i].loss}`);
  const wa = T.loadSafetensors(join(full.run_dir, 'model.safetensors')).tensors;
  const wb = T.loadSafetensors(join(resumed.run_dir, 'model.safetensors')).tensors;
  for (const [k, t] of wa) assert.ok(T.tidy(() => t.sub(wb.get(k)!).abs().max().item()) < 1e-6, k);
  T.dispose([wa, wb]);
});

test('fovea summary of a zoo config; surgery errors name the config key', async () => {
  const text = configSummary(loadConfig(config('  freeze: {until: features.1}\n  truncate: features.2', 'zoo-sum')));
  assert.match(text, /features\.0 \(TinyBlock\) +\(None, 8, 16, 16\) +232 +0 +232 +55,296/);
  assert.match(text, /features\.2 \(TinyBlock\) +\(None, 16, 8, 8\) +2,336 +2,336 +0/);
  assert.doesNotMatch(text, /final_relu/);
  // discriminative rates: the head first, then blocks with lr * decay^k from the end
  const zc = loadConfig(config('train: {optimizer: {name: sgd, lr: 0.1}, block_lr_decay: 0.5}', 'zoo-opt'));
  const m = new TinyZoo();
  const opt = zooOptimizer(m, zc);
  assert.deepEqual(opt.lrs, [0.1, 0.0125, 0.025, 0.05]);
  assert.equal(opt.params.length, m.parameters().length);
  m.dispose();
  const bad = (extra: string, re: RegExp): Promise<void> =>
    assert.rejects(runExperiment(loadConfig(config(extra, 'zoo-bad')), { verbose: 0, log: () => {} }), re);
  await bad('  freeze: {until: features.7}', /^Error: model\.freeze: tiny: no block 'features\.7'; blocks: features\.0, features\.1, features\.2, final_relu|model\.freeze: tiny: no block 'features\.7'/);
  await bad('  truncate: nope', /model\.truncate: tiny: no block 'nope'/);
  await bad('train: {gradual_unfreezing: {every: 1, down_to: nope}}', /train\.gradual_unfreezing: tiny: no block 'nope'/);
  const wrongHead = config('', 'zoo-bad-head');
  writeFileSync(wrongHead, readFileSync(wrongHead, 'utf8').replace('units: 3', 'units: 4'));
  await assert.rejects(runExperiment(loadConfig(wrongHead), { verbose: 0, log: () => {} }), /model\.head: the model outputs shape \[1, 4\] per batch, but the data has 3 classes/);
  await assert.rejects(runExperiment(loadConfig(config('', 'zoo-bad-w'), { set: ['model.weights=/nope.onnx'] }), { verbose: 0, log: () => {} }), /model\.weights: '\/nope\.onnx' does not exist/);
});
