// Sequential and functional models: configs (YAML-style lists), round trips, state dicts,
// freezing, names, summaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import * as nn from '../../src/nn/index.js';

const L2 = { l2: 1e-3 };
const block = (filters: number): nn.LayerConfig[] => [
  { type: 'Conv2D', filters, kernel_size: 3, padding: 'same', kernel_regularizer: L2 },
  { type: 'BatchNormalization' },
  { type: 'Activation', activation: 'relu' },
];
/** The flowers hand-crafted CNN as a YAML-like list. */
const FLOWERS: nn.LayerConfig[] = [
  ...block(32),
  { type: 'MaxPooling2D', pool_size: 3, strides: 3 },
  ...block(64),
  { type: 'MaxPooling2D', pool_size: 3, strides: 3 },
  { type: 'Dropout', rate: 0.3 },
  ...block(128),
  { type: 'MaxPooling2D', pool_size: 3, strides: 3 },
  { type: 'Dropout', rate: 0.3 },
  ...block(256),
  { type: 'GlobalMaxPooling2D' },
  { type: 'Dropout', rate: 0.3 },
  { type: 'Dense', units: 64, activation: 'relu' },
  { type: 'Dropout', rate: 0.1 },
  { type: 'Dense', units: 5 },
];

test('flowers CNN builds from a config list; summary totals as Keras', () => {
  const m = nn.modelFromConfig(FLOWERS, { inputShape: [3, 128, 128] });
  const d = nn.summaryData(m);
  assert.equal(d.totalParams, 407_109);
  assert.equal(d.trainableParams, 406_149);
  assert.equal(d.nonTrainableParams, 960);
  assert.deepEqual(d.outputShape, [5]);
  assert.deepEqual(
    d.layers.filter((l) => l.type === 'MaxPooling2D').map((l) => l.outputShape),
    [[32, 42, 42], [64, 14, 14], [128, 4, 4]],
  );
  assert.equal(d.layers[0].name, 'conv2d');
  assert.equal(d.layers[0].macs, 128 * 128 * 32 * 9 * 3);
  assert.equal(d.layers.find((l) => l.name === 'dense_1')!.macs, 64 * 5);
  assert.equal(d.weightBytes, 407_109 * 4 + 4 * 8); // float32 weights + four int64 batch counters
  const table = m.summary();
  for (const s of ['conv2d_3 (Conv2D)', '(None, 256, 4, 4)', 'Total params: 407,109', 'Trainable params: 406,149', 'Non-trainable params: 960', 'MACs per image', 'Weight memory']) {
    assert.ok(table.includes(s), `summary shows '${s}'\n${table}`);
  }
  const y = T.tidy(() => m.call(T.randn([2, 3, 128, 128])));
  assert.deepEqual(y.shape, [2, 5]);
  y.dispose();
  // regularisation: 4 conv kernels with L2 1e-3
  const reg = nn.regularizationLoss(m)!;
  assert.ok(reg.item() > 0);
  reg.dispose();
  m.dispose();
});

test('freeze/unfreeze change trainable counts in countParams and summaries', () => {
  const m = nn.modelFromConfig(FLOWERS, { inputShape: [3, 32, 32] });
  m.freeze('conv2d');
  assert.equal(nn.summaryData(m).trainableParams, 406_149 - 896);
  m.freeze('batch_normalization*');
  assert.equal(nn.summaryData(m).trainableParams, 406_149 - 896 - 960);
  assert.equal(nn.summaryData(m).nonTrainableParams, 960 + 896 + 960);
  m.unfreeze();
  assert.equal(nn.summaryData(m).trainableParams, 406_149);
  assert.equal(m.countParams().trainable, 406_149);
  // trainable: false in a config freezes that layer when built, and survives the round trip
  const f = nn.sequential([{ type: 'Dense', units: 4, trainable: false }, { type: 'Dense', units: 2 }], { inputShape: [3] });
  assert.equal(nn.summaryData(f).trainableParams, 10);
  assert.equal(nn.summaryData(nn.modelFromConfig(f.toConfig())).trainableParams, 10);
  m.dispose();
});

test('sequential config round trip (config → model → config identical) and weights via stateDict', () => {
  T.manualSeed(7);
  const m1 = nn.modelFromConfig(FLOWERS, { inputShape: [3, 32, 32] });
  const cfg = m1.toConfig();
  const json = JSON.parse(JSON.stringify(cfg)) as nn.ModelConfig;
  const m2 = nn.modelFromConfig(json);
  assert.deepEqual(m2.toConfig(), cfg);
  assert.deepEqual([...m2.stateDict().keys()], [...m1.stateDict().keys()]);
  assert.ok(m1.stateDict().has('batch_normalization.running_var') && m1.stateDict().has('batch_normalization.num_batches_tracked'));
  assert.deepEqual(m1.stateDict().get('conv2d.weight')!.shape, [32, 3, 3, 3]); // PyTorch layout
  T.tidy(() => {
    m1.train().call(T.randn([4, 3, 32, 32])); // move BN running stats away from their init
    m2.loadStateDict(m1.stateDict());
    const x = T.randn([2, 3, 32, 32]);
    const d = m1.eval().call(x).sub(m2.eval().call(x)).abs().max().item();
    assert.equal(d, 0);
  });
  m1.dispose();
  m2.dispose();
});

test('functional model with a residual Add and a Concatenate runs, summarises and round-trips', () => {
  T.manualSeed(8);
  const inp = nn.input([3, 16, 16]);
  const stem = nn.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(inp);
  const branch = nn.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(nn.batchNormalization().apply(stem));
  const res = nn.add().apply([stem, branch]);
  const side = nn.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(stem);
  const cat = nn.concatenate().apply([res, side]);
  const out = nn.dense({ units: 3, activation: 'softmax' }).apply(nn.globalAveragePooling2d().apply(cat));
  const m = nn.model({ inputs: inp, outputs: out, name: 'resnetish' });
  assert.deepEqual(cat.shape, [12, 16, 16]);
  assert.deepEqual(
    m.layers.map((l) => l.name),
    ['conv2d', 'batch_normalization', 'conv2d_1', 'add', 'separable_conv2d', 'concatenate', 'global_average_pooling2d', 'dense'],
  );
  const d = nn.summaryData(m);
  assert.equal(d.totalParams, 224 + 32 + 584 + (8 * 9 + 8 * 4 + 4) + (12 * 3 + 3));
  assert.deepEqual(d.layers.find((l) => l.name === 'add')!.connectedTo, ['conv2d', 'conv2d_1']);
  assert.ok(m.summary().includes('Connected to'));
  const cfg = m.toConfig();
  const m2 = nn.modelFromConfig(JSON.parse(JSON.stringify(cfg)) as nn.ModelConfig);
  assert.deepEqual(m2.toConfig(), cfg);
  m2.loadStateDict(m.stateDict());
  T.tidy(() => {
    const x = T.randn([2, 3, 16, 16]);
    const y = m.eval().call(x);
    assert.deepEqual(y.shape, [2, 3]);
    assert.ok(Math.abs(y.sum().item() - 2) < 1e-5, 'softmax rows sum to 1');
    assert.equal(y.sub(m2.eval().call(x)).abs().max().item(), 0);
  });
  m.dispose();
  m2.dispose();
});

test('config errors name the unknown type or key and list the allowed ones', () => {
  assert.throws(() => nn.layerFromConfig({ type: 'Conv3D' }), /unknown layer type 'Conv3D'; allowed: Dense, Conv2D/);
  assert.throws(() => nn.layerFromConfig({ type: 'Conv2D', filters: 8, kernel_size: 3, kernel_regulariser: 'l2' }), /Conv2D: unknown option 'kernel_regulariser'; allowed: .*kernel_regularizer/);
  assert.throws(() => nn.layerFromConfig({ type: 'Dense' }), /Dense: missing required option 'units'/);
  assert.throws(() => nn.layerFromConfig({ type: 'Conv2D', filters: 8, kernel_size: 3, padding: 'full' }), /padding must be 'same' or 'valid'/);
  assert.throws(() => nn.modelFromConfig({ type: 'Sequential', layers: [], extra: 1 }), /unknown key 'extra'/);
  assert.throws(() => nn.sequential([{ type: 'Dense', units: 3 }, { type: 'Dense', units: 3, name: 'x' }, { type: 'Dense', units: 3, name: 'x' }]), /two layers are named 'x'/);
  assert.throws(() => nn.sequential([nn.add()]), /use the functional API/);
  assert.throws(() => nn.sequential([{ type: 'Conv2D', filters: 4, kernel_size: 3 }], { inputShape: [3, 2, 2] }), /conv2d/);
});

test('lazy sequential models build on the first batch or for a summary; names stay unique', () => {
  const m = nn.sequential([nn.conv2d({ filters: 4, kernelSize: 3 }), nn.conv2d({ filters: 4, kernelSize: 3 }), nn.flatten(), nn.dense({ units: 2 })]);
  assert.equal(m.built, false);
  assert.throws(() => m.summary(), /not built/);
  assert.deepEqual(m.layers.map((l) => l.name), ['conv2d', 'conv2d_1', 'flatten', 'dense']);
  const d = nn.summaryData(m, [3, 8, 8]);
  assert.equal(d.totalParams, 112 + 148 + 4 * 4 * 4 * 2 + 2);
  const y = T.tidy(() => m.call(T.randn([1, 3, 8, 8])));
  assert.deepEqual(y.shape, [1, 2]);
  y.dispose();
  const lazy = nn.sequential([nn.dense({ units: 3 })]);
  const z = T.tidy(() => lazy.call(T.randn([2, 5])));
  assert.deepEqual(lazy.toConfig().input_shape, [5]);
  z.dispose();
  m.dispose();
  lazy.dispose();
});
