// Output shapes and parameter counts equal Keras's for the same configs; padding semantics as TF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import * as nn from '../../src/nn/index.js';
import { built } from './helpers.js';

test('Dense MLP 3072→2048→8 has 6,309,896 params (Keras)', () => {
  const m = nn.sequential([nn.flatten(), nn.dense({ units: 2048, activation: 'relu' }), nn.dense({ units: 8 })], { inputShape: [3, 32, 32] });
  assert.equal(m.countParams().total, 6_309_896);
  assert.deepEqual(m.getLayer('dense').stateDict().get('weight')!.shape, [2048, 3072]);
  assert.deepEqual(m.trace().map((r) => r.outputShape), [[3072], [2048], [8]]);
  m.dispose();
});

test('conv layers: output shapes and params as Keras', () => {
  const cases: [nn.Layer, number[], number[], number][] = [
    [nn.conv2d({ filters: 32, kernelSize: 3 }), [3, 64, 64], [32, 62, 62], 896],
    [nn.conv2d({ filters: 32, kernelSize: 3, padding: 'same' }), [3, 64, 64], [32, 64, 64], 896],
    [nn.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same' }), [3, 65, 65], [32, 33, 33], 896],
    [nn.conv2d({ filters: 32, kernelSize: 3, strides: 2 }), [3, 65, 65], [32, 32, 32], 896],
    [nn.conv2d({ filters: 32, kernelSize: 3, useBias: false }), [3, 10, 10], [32, 8, 8], 864],
    [nn.conv2d({ filters: 16, kernelSize: 3, dilationRate: 2 }), [3, 10, 10], [16, 6, 6], 448],
    [nn.conv2d({ filters: 64, kernelSize: 3, groups: 4, padding: 'same' }), [32, 8, 8], [64, 8, 8], 4672],
    [nn.conv2d({ filters: 8, kernelSize: [1, 5] }), [4, 10, 10], [8, 10, 6], 168],
    [nn.separableConv2d({ filters: 64, kernelSize: 3, padding: 'same' }), [32, 16, 16], [64, 16, 16], 2400],
    [nn.separableConv2d({ filters: 64, kernelSize: 3, depthMultiplier: 2 }), [32, 16, 16], [64, 14, 14], 32 * 2 * 9 + 64 * 64 + 64],
    [nn.depthwiseConv2d({ kernelSize: 3, padding: 'same' }), [32, 16, 16], [32, 16, 16], 320],
    [nn.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2 }), [32, 16, 16], [64, 7, 7], 640],
    [nn.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2, padding: 'same' }), [32, 4, 4], [16, 8, 8], 4624],
    [nn.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2 }), [32, 4, 4], [16, 9, 9], 4624],
    [nn.conv2dTranspose({ filters: 4, kernelSize: 1, strides: 2 }), [8, 4, 4], [4, 8, 8], 36],
    [nn.conv2dTranspose({ filters: 4, kernelSize: 4, strides: 2, padding: 'same' }), [8, 5, 5], [4, 10, 10], 516],
  ];
  for (const [layer, inp, out, params] of cases) {
    const r = built(layer, inp);
    assert.deepEqual(r.out, out, `${layer.type} ${JSON.stringify(layer.getConfig())}`);
    assert.deepEqual(layer.computeOutputShape([inp]), out);
    assert.equal(r.params, params, `${layer.type} params`);
    layer.dispose();
  }
});

test('pooling, reshaping, normalisation, merges: shapes and params as Keras', () => {
  const cases: [nn.Layer, number[], number[], number, number][] = [
    [nn.maxPooling2d(), [8, 9, 9], [8, 4, 4], 0, 0],
    [nn.maxPooling2d({ poolSize: 3, strides: 3 }), [8, 64, 64], [8, 21, 21], 0, 0],
    [nn.maxPooling2d({ poolSize: 2, padding: 'same' }), [8, 9, 9], [8, 5, 5], 0, 0],
    [nn.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }), [8, 9, 9], [8, 9, 9], 0, 0],
    [nn.averagePooling2d({ poolSize: 2, strides: 1 }), [8, 9, 9], [8, 8, 8], 0, 0],
    [nn.globalAveragePooling2d(), [8, 5, 5], [8], 0, 0],
    [nn.globalMaxPooling2d({ keepdims: true }), [8, 5, 5], [8, 1, 1], 0, 0],
    [nn.flatten(), [8, 5, 5], [200], 0, 0],
    [nn.reshape({ targetShape: [4, -1] }), [8, 5, 5], [4, 50], 0, 0],
    [nn.batchNormalization(), [64, 4, 4], [64, 4, 4], 256, 128],
    [nn.batchNormalization(), [10], [10], 40, 20],
    [nn.layerNormalization(), [64], [64], 128, 128],
    [nn.layerNormalization({ axis: [1, 2, 3] }), [4, 5, 6], [4, 5, 6], 240, 240],
    [nn.layerNormalization({ axis: 1 }), [4, 5, 6], [4, 5, 6], 8, 8],
    [nn.dense({ units: 7 }), [3, 10], [3, 7], 77, 77],
    [nn.dropout({ rate: 0.5 }), [10], [10], 0, 0],
    [nn.spatialDropout2d({ rate: 0.5 }), [4, 3, 3], [4, 3, 3], 0, 0],
    [nn.gaussianNoise({ stddev: 0.1 }), [10], [10], 0, 0],
    [nn.activation('softmax'), [10], [10], 0, 0],
    [nn.rescaling({ scale: 1 / 255 }), [3, 4, 4], [3, 4, 4], 0, 0],
    [nn.normalization({ mean: [0.5, 0.4, 0.3], variance: [0.1, 0.2, 0.3] }), [3, 4, 4], [3, 4, 4], 0, 0],
  ];
  for (const [layer, inp, out, params, trainable] of cases) {
    const r = built(layer, inp);
    assert.deepEqual(r.out, out, `${layer.type} ${JSON.stringify(layer.getConfig())}`);
    assert.equal(r.params, params, `${layer.type} params`);
    assert.equal(r.trainable, trainable, `${layer.type} trainable`);
    layer.dispose();
  }
  const inp = nn.input([8, 4, 4]);
  assert.deepEqual(nn.add().apply([inp, inp]).shape, [8, 4, 4]);
  assert.deepEqual(nn.multiply().apply([inp, inp]).shape, [8, 4, 4]);
  assert.deepEqual(nn.concatenate().apply([inp, inp, inp]).shape, [24, 4, 4]);
  assert.deepEqual(nn.concatenate({ axis: -1 }).apply([inp, inp]).shape, [8, 4, 8]);
  assert.throws(() => nn.add().apply([inp, nn.input([8, 2, 2])]), /input shapes differ/);
});

test("'same' padding is TensorFlow's: the extra pad goes bottom/right", () => {
  T.tidy(() => {
    const conv = nn.conv2d({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: 'ones' });
    assert.deepEqual(conv.call(T.ones([1, 1, 4, 4])).reshape([-1]).dataNumbers(), [9, 6, 6, 4]);
    const mp = nn.maxPooling2d({ poolSize: 2, padding: 'same' });
    assert.deepEqual(mp.call(T.full([1, 1, 3, 3], -1, { dtype: 'float32' })).reshape([-1]).dataNumbers(), [-1, -1, -1, -1]);
    const ap = nn.averagePooling2d({ poolSize: 2, padding: 'same' });
    const x = T.arange(9).reshape([1, 1, 3, 3]).float();
    // windows: [0,1,3,4] [2,5] [6,7] [8] averaged over real cells only
    assert.deepEqual(ap.call(x).reshape([-1]).dataNumbers(), [2, 3.5, 6.5, 8]);
    const apSym = nn.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' });
    assert.equal(apSym.call(T.ones([1, 1, 4, 4])).sum().item(), 16);
    // transposed conv 'same' is the gradient of TF's conv (pads 0 before, 1 after): the full
    // 1-D output [1, 1, 2, 1, 1] loses its last cell, so rows and columns are [1, 1, 2, 1]
    const tc = nn.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: 'ones' });
    assert.deepEqual(tc.call(T.ones([1, 1, 2, 2])).reshape([-1]).dataNumbers(), [1, 1, 2, 1, 1, 1, 2, 1, 2, 2, 4, 2, 1, 1, 2, 1]);
    // 'valid' with a kernel smaller than the stride: in·stride outputs, bias everywhere
    const tv = nn.conv2dTranspose({ filters: 1, kernelSize: 1, strides: 2, kernelInitializer: 'ones', biasInitializer: { type: 'constant', value: 0.5 } });
    assert.deepEqual(tv.call(T.ones([1, 1, 1, 2])).reshape([-1]).dataNumbers(), [1.5, 0.5, 1.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  });
});

test('activations by name; unknown names are errors listing the allowed ones', () => {
  T.tidy(() => {
    const x = T.tensor([[-2, -0.5, 0, 0.5, 2, 7]]);
    const get = (name: string): number[] => nn.activation(name).call(x).dataNumbers();
    assert.deepEqual(get('relu'), [0, 0, 0, 0.5, 2, 7]);
    assert.deepEqual(get('relu6'), [0, 0, 0, 0.5, 2, 6]);
    assert.deepEqual(get('linear'), [-2, -0.5, 0, 0.5, 2, 7]);
    assert.ok(Math.abs(get('leaky_relu')[0] + 0.4) < 1e-6);
    assert.ok(Math.abs(get('sigmoid')[2] - 0.5) < 1e-6);
    assert.ok(Math.abs(get('hard_sigmoid')[4] - 5 / 6) < 1e-6);
    assert.ok(Math.abs(get('swish')[4] - 2 / (1 + Math.exp(-2))) < 1e-5);
    assert.ok(Math.abs(get('softmax').reduce((a, b) => a + b, 0) - 1) < 1e-5);
    for (const n of ['elu', 'selu', 'gelu', 'silu', 'hard_swish', 'tanh', 'softplus', 'softsign', 'mish']) assert.equal(get(n).length, 6);
  });
  assert.throws(() => nn.activation('relux'), /unknown activation 'relux'; allowed: .*relu6/);
});

test('layers build lazily from the first input (Dense needs no input size)', () => {
  const d = nn.dense({ units: 4, activation: 'relu' });
  assert.equal(d.built, false);
  assert.equal(d.parameters().length, 0);
  const y = T.tidy(() => d.call(T.randn([5, 3])));
  assert.deepEqual(y.shape, [5, 4]);
  assert.deepEqual(d.stateDict().get('weight')!.shape, [4, 3]);
  assert.ok(!d.stateDict().get('weight')!.isDisposed, 'parameters survive the tidy they were built in');
  y.dispose();
  d.dispose();
});
