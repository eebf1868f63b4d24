// The Keras-application architectures (mobilenet, xception, inception_resnet_v2, nasnet_mobile):
// parameter counts equal Keras's model.summary() totals (trainable + BatchNormalization moving
// statistics), Keras-style parameter names and layouts, Keras defaults (BN epsilon 1e-3, momentum),
// TensorFlow 'same' padding for strided windows, and forward shapes at small inputs. Full-size
// forward passes only with FOVEA_SLOW=1. (The ZooModel contract for every registered architecture
// is in zoo-parity.test.ts. Outputs were checked against the same networks built in TF.js 4.22 from
// the Keras sources, with random weights, to 2e-6 of max |logit|; see the Keras importer tests.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { createModel, type ZooModel } from '../../src/models/index.js';
import { BatchNorm2d } from '../../src/nn/modules/index.js';
import { MaxPool2dSame, Conv2dSame, kerasParamCount, padSame } from '../../src/models/archs/keras-ops.js';
import { MaxPooling2D } from '../../src/nn/layers/pooling.js';

const SLOW = process.env.FOVEA_SLOW === '1';

// Keras model.summary(): total params and trainable params with the 1000-class top
const KERAS: Record<string, { total: number; trainable: number }> = {
  mobilenet: { total: 4_253_864, trainable: 4_231_976 },
  mobilenet_025: { total: 475_544, trainable: 470_072 },
  xception: { total: 22_910_480, trainable: 22_855_952 },
  inception_resnet_v2: { total: 55_873_736, trainable: 55_813_192 },
  nasnet_mobile: { total: 5_326_716, trainable: 5_289_978 },
};

function withModel(name: string, fn: (m: ZooModel) => void, o: Record<string, unknown> = {}): void {
  const m = createModel(name, o);
  try {
    fn(m);
  } finally {
    m.dispose();
  }
}

for (const [name, want] of Object.entries(KERAS)) {
  test(`${name}: parameter count equals Keras's (${want.total.toLocaleString('en-US')})`, () => {
    withModel(name, (m) => {
      assert.equal(kerasParamCount(m), want.total, 'trainable + BN moving mean / variance');
      assert.equal(m.countParams().trainable, want.trainable, 'trainable');
      assert.equal(m.config.source, 'keras');
      assert.deepEqual(m.config.mean, [0.5, 0.5, 0.5]);
      assert.deepEqual(m.config.std, [0.5, 0.5, 0.5]);
      assert.equal(m.config.inputSize[1], name === 'xception' || name === 'inception_resnet_v2' ? 299 : 224);
      for (const [, mod] of m.namedModules()) {
        if (mod instanceof BatchNorm2d) {
          assert.equal(mod.eps, 1e-3);
          assert.equal(mod.momentum, name === 'nasnet_mobile' ? 0.0003 : 0.01);
        }
      }
    });
  });
}

test('mobilenet: Keras layer names, PyTorch layouts, alpha and blocks', () => {
  withModel('mobilenet', (m) => {
    const sd = m.stateDict();
    const shape = (k: string): number[] => {
      assert.ok(sd.has(k), `${k} exists`);
      return sd.get(k)!.shape;
    };
    assert.deepEqual(shape('conv1.weight'), [32, 3, 3, 3]);
    for (const s of ['weight', 'bias', 'running_mean', 'running_var']) assert.deepEqual(shape(`conv1_bn.${s}`), [32]);
    assert.deepEqual(shape('conv_dw_1.weight'), [32, 1, 3, 3]);
    assert.deepEqual(shape('conv_pw_1.weight'), [64, 32, 1, 1]);
    assert.deepEqual(shape('conv_dw_13.weight'), [1024, 1, 3, 3]);
    assert.deepEqual(shape('conv_pw_13_bn.running_var'), [1024]);
    assert.deepEqual(shape('conv_preds.weight'), [1000, 1024, 1, 1]);
    assert.deepEqual(shape('conv_preds.bias'), [1000]);
    assert.ok(!sd.has('conv1.bias') && !sd.has('conv_dw_1.bias'), 'Keras convs before BN have no bias');
    const names = m.blockNames();
    assert.deepEqual(names.slice(0, 7), ['conv1', 'conv1_bn', 'conv1_relu', 'conv_dw_1', 'conv_dw_1_bn', 'conv_dw_1_relu', 'conv_pw_1']);
    assert.ok(names.includes('conv_pad_2') && !names.includes('conv_pad_3'), 'ZeroPadding2D before stride-2 depthwise convs');
    assert.equal(names.at(-1), 'conv_pw_13_relu');
    assert.deepEqual(m.featureShape(), [1024, 7, 7]);
  }, {});
  withModel('mobilenet', (m) => {
    assert.deepEqual(m.stateDict().get('conv_pw_13.weight')!.shape, [512, 512, 1, 1]);
    assert.equal(m.config.numFeatures, 512);
  }, { alpha: 0.5 });
  withModel('mobilenet_025', (m) => {
    assert.equal(m.config.name, 'mobilenet_025');
    assert.deepEqual(m.stateDict().get('conv1.weight')!.shape, [8, 3, 3, 3]);
  });
});

test('mobilenet: features, head (logits, preLogits), resetClassifier, truncate at a small input', () => {
  withModel('mobilenet_025', (m) => {
    m.eval();
    T.tidy(() =>
      T.noGrad(() => {
        const x = T.randn([2, 3, 64, 64]);
        const f = m.forwardFeatures(x);
        assert.deepEqual(f.shape, [2, 256, 2, 2]);
        const logits = m.forwardHead(f);
        assert.deepEqual(logits.shape, [2, 1000]);
        // the 1x1 conv classifier is a Dense on the pooled features
        const pooled = m.forwardHead(f, { preLogits: true });
        assert.deepEqual(pooled.shape, [2, 256]);
        const w = m.stateDict().get('conv_preds.weight')!.reshape([1000, 256]);
        const b = m.stateDict().get('conv_preds.bias')!;
        assert.ok(T.F.linear(pooled, w, b).sub(logits).abs().max().item() < 1e-5);
        assert.ok(m.forward(x).sub(logits).abs().max().item() < 1e-6);
        m.resetClassifier(7);
        assert.deepEqual(m.forward(x).shape, [2, 7]);
        m.resetClassifier(0);
        assert.ok(m.forward(x).sub(pooled).abs().max().item() < 1e-6, 'resetClassifier(0): pooled features');
        m.truncateAfter('conv_pw_5_relu');
        assert.deepEqual(m.featureShape([3, 64, 64]), [64, 8, 8]);
        assert.ok(!m.stateDict().has('conv_dw_6.weight'), 'truncated layers leave the state dict');
      }),
    );
  });
});

test("TF 'same' padding: the extra row / column goes at the bottom / right", () => {
  T.tidy(() =>
    T.noGrad(() => {
      // even input, stride 2, window 3: pad (0, 1)
      const x = T.arange(16, { dtype: 'float32' }).reshape([1, 1, 4, 4]);
      const p = padSame(x, 3, 2);
      assert.deepEqual(p.shape, [1, 1, 5, 5]);
      assert.equal(p.select(2, 0).select(2, 0).item(), 0, 'top-left is data');
      assert.equal(p.select(2, 4).sum().item(), 0, 'bottom row is padding');
      // odd input: symmetric
      assert.deepEqual(padSame(T.zeros([1, 1, 5, 5]), 3, 2).shape, [1, 1, 7, 7]);
      // max pooling 'same' equals the Keras layer's, at even and odd sizes, on negative values
      for (const n of [4, 5, 8, 9]) {
        const v = T.randn([2, 3, n, n]).sub(3);
        const ours = new MaxPool2dSame(3, 2).call(v);
        const keras = new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }).call(v);
        assert.deepEqual(ours.shape, [2, 3, Math.ceil(n / 2), Math.ceil(n / 2)]);
        assert.ok(ours.sub(keras).abs().max().item() === 0, `max pool same, size ${n}`);
      }
      // a strided 'same' conv on an even input: no top/left padding, so the window centres fall on
      // rows / columns 1 and 3 (PyTorch's symmetric padding=1 would centre them on 0 and 2)
      const c = new Conv2dSame(1, 1, 3, { stride: 2, bias: false });
      c.weight.fill_(0);
      c.weight.select(2, 1).select(2, 1).fill_(1); // centre tap
      const y = c.call(x);
      assert.deepEqual(y.shape, [1, 1, 2, 2]);
      assert.deepEqual(Array.from(y.data() as Float32Array), [5, 7, 13, 15]);
      c.dispose();
    }),
  );
});

// small inputs (Keras's minimums are 71 for Xception, 75 for InceptionResNetV2, 32 for NASNet);
// odd sizes exercise the asymmetric paddings and the packed odd-sized NASNet cell pair
const SMALL: [string, number, number[]][] = [
  ['xception', 96, [2048, 3, 3]],
  ['inception_resnet_v2', 99, [1536, 1, 1]],
  ['nasnet_mobile', 33, [1056, 1, 1]],
  ['nasnet_mobile', 96, [1056, 3, 3]],
];
for (const [name, size, feat] of SMALL) {
  test(`${name}: forward at ${size}x${size}`, () => {
    withModel(name, (m) => {
      m.eval();
      assert.deepEqual(m.featureShape([3, size, size]), feat);
      const y = T.tidy(() => T.noGrad(() => m.forward(T.randn([1, 3, size, size])).shape));
      assert.deepEqual(y, [1, 1000]);
    });
  });
}

test('nasnet_mobile: cell blocks and the packed (x, p) pair between them', () => {
  withModel('nasnet_mobile', (m) => {
    const names = m.blockNames();
    assert.deepEqual(names.slice(0, 5), ['stem_conv1', 'stem_bn1', 'cell_stem_1', 'cell_stem_2', 'cell_0']);
    assert.ok(names.includes('cell_reduce_4') && names.includes('cell_reduce_8'));
    assert.equal(names.at(-1), 'relu');
    m.eval();
    T.tidy(() =>
      T.noGrad(() => {
        const x = T.randn([1, 3, 64, 64]);
        // after cell_0: x (264 ch) and p (cell_stem_2's output, 88 ch) at the same resolution
        const i = m.blockIndex('cell_0');
        assert.deepEqual(m.forwardBlocks(x, 0, i + 1).shape, [1, 264 + 88, 8, 8]);
        // after a reduction cell, p (twice the resolution) is packed space-to-depth
        const r = m.blockIndex('cell_reduce_4');
        assert.deepEqual(m.forwardBlocks(x, 0, r + 1).shape, [1, 352 + 4 * 264, 4, 4]);
        // running the blocks in two halves equals one pass
        const mid = m.forwardBlocks(x, 0, r + 1);
        const a = m.forwardBlocks(mid, r + 1);
        assert.ok(a.sub(m.forwardFeatures(x)).abs().max().item() === 0);
      }),
    );
  });
});

test('full-size forward passes', { skip: SLOW ? false : 'heavy (FOVEA_SLOW=1 runs it)' }, () => {
  for (const name of ['mobilenet', 'xception', 'inception_resnet_v2', 'nasnet_mobile']) {
    withModel(name, (m) => {
      m.eval();
      const [c, h, w] = m.config.inputSize;
      const y = T.tidy(() => T.noGrad(() => m.forward(T.randn([1, c, h, w])).shape));
      assert.deepEqual(y, [1, 1000]);
    });
  }
});
