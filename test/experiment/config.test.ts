// Experiment configs: schema validation messages, defaults, ${VAR}, --set, save/load round trip,
// diffs, and that every example config validates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  diffConfigs,
  EXPERIMENT_SCHEMA,
  ExperimentConfigError,
  formatChanges,
  loadConfig,
  repoRoot,
  saveResolvedConfig,
  validate,
  type ExperimentConfig,
} from '../../src/experiment/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'fovea-config-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const BASE = `
name: tiny
data:
  root: ./images
  image_size: 32
model:
  layers:
    - {type: Flatten}
    - {type: Dense, units: 4}
`;

let n = 0;
function write(text: string, name = `c${n++}.yaml`): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

/** The problems loadConfig reports for a config text (fails when it loads). */
function problems(text: string, set: string[] = [], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig(write(text), { set, env });
  } catch (e) {
    assert.ok(e instanceof ExperimentConfigError, String(e));
    return [...e.problems];
  }
  assert.fail('expected the config to be rejected');
}

function hasProblem(list: string[], ...parts: string[]): void {
  assert.ok(
    list.some((p) => parts.every((x) => p.includes(x))),
    `no problem mentions ${parts.map((x) => JSON.stringify(x)).join(' and ')}; got:\n${list.join('\n')}`,
  );
}

test('a valid config loads with defaults filled and shorthands expanded', () => {
  const c = loadConfig(write(BASE), { env: {} });
  assert.equal(c.name, 'tiny');
  assert.equal(c.seed, 0);
  assert.equal(c.threads, 0);
  assert.equal(c.data.root, join(tmp, 'images'));
  assert.deepEqual(c.data.image_size, [32, 32]);
  assert.deepEqual(c.data.split, { val: 0.2, test: 0 });
  assert.equal(c.data.resize, 'crop');
  assert.equal(c.data.interpolation, 'bilinear');
  assert.equal(c.data.cache, 'disk');
  assert.equal(c.data.scale, 'unit');
  assert.equal(c.train.epochs, 10);
  assert.equal(c.train.batch_size, 32);
  assert.deepEqual(c.train.optimizer, { name: 'adam' });
  assert.deepEqual(c.train.loss, { label_smoothing: 0 });
  assert.deepEqual(c.train.metrics, ['accuracy']);
  assert.equal(c.train.schedule, undefined);
  assert.equal(c.output.dir, 'runs');
  const es = loadConfig(write(`${BASE}train: {early_stopping: {patience: 3}}\n`), { env: {} }).train.early_stopping;
  assert.deepEqual(es, { patience: 3, monitor: 'val_loss', min_delta: 0, mode: 'auto', restore_best_weights: true });
  const fs = loadConfig(write(BASE.replace('image_size: 32', 'image_size: [24, 32]\n  per_class: 40')), { env: {} }).data;
  assert.deepEqual(fs.image_size, [24, 32]);
  assert.deepEqual(fs.per_class, { n: 40, subset: 0, seed: 0 });
});

test('a config without name is named after its file', () => {
  const c = loadConfig(write(BASE.replace('name: tiny\n', ''), 'my-exp.yaml'), { env: {} });
  assert.equal(c.name, 'my-exp');
});

test('an unknown key names its path, the allowed keys and a suggestion', () => {
  const list = problems(`${BASE}train: {epoch: 5}\n`);
  hasProblem(list, "unknown key 'train.epoch'", "did you mean 'epochs'", 'allowed: epochs, batch_size, optimizer');
  const top = problems(`${BASE}modle: {}\n`);
  hasProblem(top, "unknown key 'modle'", "did you mean 'model'", 'allowed: name, description, seed');
  const aug = problems(`${BASE}augment: {rotation: 10, brightness_range: [1.2, 0.8]}\n`);
  hasProblem(aug, "unknown key 'augment.rotation'", "did you mean 'rotation_range'", 'horizontal_flip');
  const aug2 = problems(`${BASE}augment: {brightness_range: [1.2, 0.8]}\n`);
  hasProblem(aug2, 'augment.brightness_range', 'lo <= hi');
});

test('wrong types, bad enum values and bounds name the key path and what is allowed', () => {
  const list = problems(`${BASE}train:\n  epochs: ten\n  batch_size: 0\n  optimizer: {name: adamm}\n`);
  hasProblem(list, 'train.epochs', 'expected an integer >= 1', "got 'ten'");
  hasProblem(list, 'train.batch_size', 'an integer >= 1', 'got 0');
  hasProblem(list, 'train.optimizer.name', 'one of: sgd, adam', "did you mean 'adam'");
  assert.equal(list.length, 3, list.join('\n')); // all problems, not only the first
  const r = problems(BASE.replace('image_size: 32', 'image_size: 32\n  resize: squash'));
  hasProblem(r, 'data.resize', 'one of: stretch, crop, pad', "got 'squash'");
  const layer = problems(BASE.replace('type: Dense', 'type: Dence'));
  hasProblem(layer, 'model.layers[1].type', 'one of:', 'Dense', "did you mean 'Dense'");
  const size = problems(BASE.replace('image_size: 32', 'image_size: [32]'));
  hasProblem(size, 'data.image_size', 'a list of 2 integers >= 1', 'got [32]');
  const size2 = problems(BASE.replace('image_size: 32', 'image_size: big'));
  hasProblem(size2, 'data.image_size', 'an integer >= 1, or a list of 2 integers >= 1');
  const cw = problems(`${BASE}train: {loss: {class_weights: equal}}\n`);
  hasProblem(cw, 'train.loss.class_weights', 'balanced');
});

test('missing required keys are named', () => {
  hasProblem(problems('name: x\nmodel: {arch: resnet18}\n'), "missing required key 'data'");
  hasProblem(problems(`${BASE}train: {optimizer: {lr: 0.1}}\n`), "missing required key 'train.optimizer.name'", 'one of: sgd');
  hasProblem(problems(BASE.replace('root: ./images', 'resize: crop')), 'data: needs at least one of', "'data.root'", "'data.train'");
  hasProblem(problems(BASE.replace('{type: Flatten}', '{units: 3}')), "missing required key 'model.layers[0].type'");
});

test('exactly one of model.layers and model.arch', () => {
  hasProblem(problems(BASE.replace('model:\n', 'model:\n  arch: mobilenet_v2\n')), 'model: needs exactly one of', "'model.layers'", "'model.arch'");
  const none = BASE.slice(0, BASE.indexOf('model:')) + 'model: {input_shape: [3, 32, 32]}\n';
  hasProblem(problems(none), 'model: needs exactly one of', 'none is set');
  const zoo = loadConfig(write(BASE.slice(0, BASE.indexOf('model:')) + 'model: {arch: mobilenet_v2, weights: ./w.onnx, freeze: true, dropout_after_conv: 0.2}\n'), { env: {} });
  assert.equal(zoo.model.weights, join(tmp, 'w.onnx')); // resolved against the config's folder
  assert.equal(zoo.model.freeze, 'all'); // true is 'all'
  const noArch = BASE.slice(0, BASE.indexOf('model:'));
  hasProblem(problems(noArch + 'model: {arch: mobilenetv2}\n'), "model.arch: unknown architecture 'mobilenetv2'", "did you mean 'mobilenet_v2'");
  hasProblem(problems(`${BASE}  freeze: all\n`), 'model.freeze: only for zoo architectures');
  hasProblem(problems(`${BASE}train: {block_lr_decay: 0.5}\n`), 'train.block_lr_decay: only for zoo architectures');
  hasProblem(problems(noArch + 'model: {arch: mobilenet_v2, freeze: {until: features.3, all_but_last: 2}}\n'), 'model.freeze');
  hasProblem(problems(noArch + 'model: {arch: mobilenet_v2, freeze: some}\n'), 'model.freeze', 'none, all');
  const f = loadConfig(write(noArch + 'model: {arch: mobilenet_v2, freeze: {all_but_last: 3}, truncate: features.13}\ntrain: {gradual_unfreezing: {every: 2}, feature_cache: {copies: 3}}\n'), { env: {} });
  assert.deepEqual(f.model.freeze, { all_but_last: 3 });
  assert.deepEqual(f.train.gradual_unfreezing, { every: 2, blocks_per_step: 1 });
  assert.deepEqual(f.train.feature_cache, { copies: 3 });
  // snake_case layer types, as in Keras configs, become class names
  const h = loadConfig(write(noArch + 'model: {arch: mobilenet_v2, head: [{type: global_average_pooling2d}, {type: dense, units: 100, activation: relu}, {type: dropout, rate: 0.5}, {type: Dense, units: 5}]}\n'), { env: {} });
  assert.deepEqual(h.model.head!.map((l) => l.type), ['GlobalAveragePooling2D', 'Dense', 'Dropout', 'Dense']);
  hasProblem(problems(noArch + 'model: {arch: mobilenet_v2, head: [{type: global_avg_pool}]}\n'), 'model.head[0].type');
});

test('cross-key checks: optimiser options, split fractions, data sources', () => {
  hasProblem(problems(`${BASE}train: {optimizer: {name: adam, nesterov: true}}\n`), 'train.optimizer', "no option 'nesterov'");
  hasProblem(problems(BASE.replace('image_size: 32', 'image_size: 32\n  split: {val: 0.6, test: 0.5}')), 'data.split', 'below 1');
  hasProblem(problems(BASE.replace('root: ./images', 'root: ./images\n  train: ./t')), "either 'data.root'");
  hasProblem(problems(BASE.replace('model:\n', 'model:\n  input_shape: [3, 64, 64]\n')), 'model.input_shape', 'data.image_size [32,32]');
  hasProblem(problems(BASE.replace('units: 4', 'unit: 4')), 'model.layers[1]', "unknown option 'unit'", 'allowed:', 'units');
  hasProblem(problems(BASE.replace('units: 4', 'units: 4, activation: relu6x')), 'model.layers[1]', 'relu6x');
});

test('${VAR} and ${VAR:-default} expansion, FOVEA_SHARED default, unset variables', () => {
  const fixed = BASE.replace('root: ./images', 'train: ${FOVEA_SHARED}/d\n  test: ${NOPE:-/tmp/t}');
  const c = loadConfig(write(fixed), { env: {} });
  assert.equal(c.data.train, resolve(repoRoot(), '..', 'shared', 'd'));
  assert.equal(c.data.test, '/tmp/t');
  const c2 = loadConfig(write(fixed), { env: { FOVEA_SHARED: '/data/shared' } });
  assert.equal(c2.data.train, '/data/shared/d');
  const named = loadConfig(write(BASE.replace('name: tiny', 'name: ${RUN:-x}-${TAG}')), { env: { TAG: 'b2' } });
  assert.equal(named.name, 'x-b2');
  hasProblem(problems(BASE.replace('./images', '${DATA_HOME}/images')), 'data.root', "environment variable 'DATA_HOME' is not set");
  assert.equal(repoRoot(), resolve(ROOT));
});

test('--set overrides parse YAML values and reject unknown key paths', () => {
  const c = loadConfig(write(BASE), {
    env: {},
    set: ['train.epochs=5', 'data.image_size=[64,48]', 'train.optimizer.name=sgd', 'train.optimizer.lr=1e-2', 'model.layers[1].units=7', 'augment.horizontal_flip=true', 'data.root=/abs/data'],
  });
  assert.equal(c.train.epochs, 5);
  assert.deepEqual(c.data.image_size, [64, 48]);
  assert.deepEqual(c.train.optimizer, { name: 'sgd', lr: 0.01 });
  assert.equal(c.model.layers?.[1].units, 7);
  assert.equal(c.augment?.horizontal_flip, true);
  assert.equal(c.data.root, '/abs/data');
  const rel = loadConfig(write(BASE), { env: {}, set: ['data.root=rel/dir'] });
  assert.equal(rel.data.root, resolve(process.cwd(), 'rel/dir')); // command-line paths are relative to the working directory
  hasProblem(problems(BASE, ['train.epoch=5']), '--set train.epoch=5', "unknown key 'train.epoch'", "did you mean 'epochs'", 'allowed: epochs');
  hasProblem(problems(BASE, ['train.epochs=five']), 'train.epochs', "got 'five'");
  hasProblem(problems(BASE, ['train.epochs']), 'expected key.path=value');
});

test('YAML syntax errors name the file and line', () => {
  const p = write('name: x\ndata:\n  root: [a,\n  image_size: 3\n');
  assert.throws(
    () => loadConfig(p, { env: {} }),
    (e: Error) => e instanceof ExperimentConfigError && e.message.includes(p) && /YAML syntax error at .*:\d+:\d+/.test(e.message),
  );
});

test('the saved config loads back to the same config', () => {
  const src = `${BASE}description: "literal $\${NOT_A_VAR} text"\ntrain:\n  optimizer: {name: sgd, lr: 0.1, momentum: 0.9, nesterov: true}\n  schedule: {name: cosine}\n  loss: {class_weights: balanced}\n  grad_clip: {max_norm: 1}\n`;
  const c = loadConfig(write(src), { env: {}, set: ['data.per_class=5'] });
  assert.equal(c.description, 'literal ${NOT_A_VAR} text');
  const dir = mkdtempSync(join(tmp, 'run-'));
  const saved = saveResolvedConfig(dir, c);
  assert.equal(saved, join(dir, 'config.yaml'));
  const again = loadConfig(saved, { env: {} });
  assert.deepEqual(again, c);
  assert.deepEqual(diffConfigs(c, again), []);
  assert.ok(readFileSync(saved, 'utf8').includes('name: tiny'));
});

test('diffConfigs lists changed key paths with values', () => {
  const a = loadConfig(write(BASE), { env: {} });
  const b = loadConfig(write(BASE), { env: {}, set: ['train.optimizer.lr=0.01', 'model.layers[1].units=8', 'data.per_class=3'] });
  const d = diffConfigs(a, b);
  assert.deepEqual(
    d.map((x) => x.path),
    ['data.per_class', 'model.layers[1].units', 'train.optimizer.lr'],
  );
  assert.deepEqual(d.find((x) => x.path === 'model.layers[1].units'), { path: 'model.layers[1].units', before: 4, after: 8 });
  assert.deepEqual(d.find((x) => x.path === 'train.optimizer.lr'), { path: 'train.optimizer.lr', before: undefined, after: 0.01 });
  assert.deepEqual(formatChanges(d.slice(0, 1)), ['data.per_class: (unset) -> {"n":3,"subset":0,"seed":0}']);
  const removed = diffConfigs({ a: [1, 2] }, { a: [1] });
  assert.deepEqual(removed, [{ path: 'a[1]', before: 2, after: undefined }]);
});

test('validate() on its own collects all issues', () => {
  const r = validate(EXPERIMENT_SCHEMA, { name: 'bad name!', data: {}, model: {}, seed: -1 });
  const paths = r.issues.map((i) => i.path);
  for (const p of ['name', 'seed', 'data', 'model']) assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
});

test('every example config validates', () => {
  const dir = join(ROOT, 'examples');
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length >= 5, `examples: ${files.join(', ')}`);
  for (const f of files) {
    let c: ExperimentConfig;
    try {
      c = loadConfig(join(dir, f), { env: { FOVEA_SHARED: '/shared' } });
    } catch (e) {
      assert.fail(`${f}: ${(e as Error).message}`);
    }
    assert.equal(`${c.name}.yaml`, f, 'an example is named after its file');
    assert.ok(c.data.root?.startsWith('/shared/datasets/'), `${f}: ${c.data.root}`);
  }
  const fs = loadConfig(join(dir, 'flowers-fewshot.yaml'), { env: {} });
  assert.equal(fs.data.per_class?.n, 40);
});
