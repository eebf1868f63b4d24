// The TF.js layers-model importer: model.json + shards (float32, int32, uint8 / uint16 quantised
// with scale and min, float16; shards concatenated per group), Keras names and layouts mapped onto
// torch-style modules (conv HWIO -> OIHW, depthwise (kh, kw, C, M) -> [C*M, 1, kh, kw], separable,
// dense (in, out) -> [out, in], BatchNormalization with and without gamma, unnamed layers paired
// in creation order), errors naming the parameter. Then Google's TF.js MobileNet V1 0.25 on the
// ImageNet sample (first 100 images by default, all 1000 with FOVEA_SLOW=1): TF.js 4.22 gives
// top-1 0.582, top-5 0.808 with its own decoding, and 0.584 / 0.818 on the pixels Fovea decodes —
// the same as Fovea's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../../src/torch/index.js';
import { Module } from '../../src/nn/module.js';
import { BatchNorm2d, Conv2d, Linear, SeparableConv2d } from '../../src/nn/modules/index.js';
import { createModel } from '../../src/models/index.js';
import { kerasToFovea, readTfjsLayersModel } from '../../src/models/import/tfjs.js';
import { decodeImage, mapLimit } from '../../src/data/decode.js';
import { tempDir } from '../data/fixtures.js';
import { sharedDir } from '../../src/experiment/env.js';

const SLOW = process.env.FOVEA_SLOW === '1';

// ---------------------------------------------------------------- model.json writer

interface Spec {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: Record<string, unknown>;
  bytes: Uint8Array;
}

function writeModel(dir: string, groups: Spec[][], shardsPerGroup = 1): void {
  mkdirSync(dir, { recursive: true });
  const manifest = groups.map((g, gi) => {
    const data = Buffer.concat(g.map((s) => s.bytes));
    const cut = Math.ceil(data.length / shardsPerGroup);
    const paths: string[] = [];
    for (let i = 0; i < shardsPerGroup; i++) {
      const p = `group${gi + 1}-shard${i + 1}of${shardsPerGroup}`;
      writeFileSync(join(dir, p), data.subarray(i * cut, (i + 1) * cut));
      paths.push(p);
    }
    return { paths, weights: g.map(({ bytes: _b, ...rest }) => rest) };
  });
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: { keras_version: 'test' }, weightsManifest: manifest }));
}

const f32 = (a: number[]): Uint8Array => new Uint8Array(new Float32Array(a).buffer);

function halfBits(v: number): number {
  // exact for the small dyadic values used here
  if (v === 0) return 0;
  const s = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  return s | ((e + 15) << 10) | Math.round((a / 2 ** e - 1) * 1024);
}

test('readTfjsLayersModel: dtypes, quantisation, several shards and groups, the topology', async () => {
  const dir = tempDir('tfjs-read');
  try {
    writeModel(
      dir,
      [
        [
          { name: 'a/kernel', shape: [2, 3], dtype: 'float32', bytes: f32([1, 2, 3, 4, 5, 6.5]) },
          { name: 'a/q8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 }, bytes: new Uint8Array([0, 1, 255]) },
          { name: 'a/count', shape: [2], dtype: 'int32', bytes: new Uint8Array(new Int32Array([7, -3]).buffer) },
        ],
        [
          { name: 'b/q16', shape: [2], dtype: 'float32', quantization: { min: 2, scale: 0.25, dtype: 'uint16' }, bytes: new Uint8Array(new Uint16Array([0, 1000]).buffer) },
          { name: 'b/h', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' }, bytes: new Uint8Array(new Uint16Array([0.5, -2, 0.375].map(halfBits)).buffer) },
          { name: 'b/qi', shape: [2], dtype: 'int32', quantization: { dtype: 'uint8', scale: 0.4, min: 1 }, bytes: new Uint8Array([2, 5]) },
        ],
      ],
      2,
    );
    for (const path of [dir, join(dir, 'model.json')]) {
      const { weights, topology } = await readTfjsLayersModel(path);
      try {
        assert.deepEqual(topology, { keras_version: 'test' });
        assert.deepEqual([...weights.keys()], ['a/kernel', 'a/q8', 'a/count', 'b/q16', 'b/h', 'b/qi']);
        const v = (k: string): number[] => Array.from(weights.get(k)!.data() as Float32Array | Int32Array);
        assert.deepEqual(weights.get('a/kernel')!.shape, [2, 3]);
        assert.deepEqual(v('a/kernel'), [1, 2, 3, 4, 5, 6.5]);
        assert.deepEqual(v('a/q8'), [-1, -0.5, 126.5]);
        assert.equal(weights.get('a/count')!.dtype, 'int32');
        assert.deepEqual(v('a/count'), [7, -3]);
        assert.deepEqual(v('b/q16'), [2, 252]);
        assert.deepEqual(v('b/h'), [0.5, -2, 0.375]);
        assert.equal(weights.get('b/qi')!.dtype, 'int32');
        assert.deepEqual(v('b/qi'), [2, 3]);
      } finally {
        for (const t of weights.values()) t.dispose();
      }
    }
    // a missing shard and a short one are named
    rmSync(join(dir, 'group2-shard2of2'));
    await assert.rejects(readTfjsLayersModel(dir), /weight shard 'group2-shard2of2' \(group 2\) is missing/);
    writeFileSync(join(dir, 'group2-shard2of2'), new Uint8Array(1));
    await assert.rejects(readTfjsLayersModel(dir), /weight 'b\/h' needs bytes/);
    await assert.rejects(readTfjsLayersModel(join(dir, 'nothing')), /no such TF.js model.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- Keras layouts -> Fovea

/** A small network with every kind of Keras weight: named and unnamed layers, BN with and without gamma. */
class Net extends Module {
  constructor() {
    super('net');
    this.registerModule('conv1', new Conv2d(3, 4, [3, 2]));
    this.registerModule('conv1_bn', new BatchNorm2d(4));
    this.registerModule('block', new Net2());
    this.registerModule('res', new Conv2d(4, 6, 1, { bias: false })); // Keras conv2d_12 (unnamed)
    this.registerModule('res_bn', new BatchNorm2d(6, { scale: false })); // batch_normalization_4, scale=False
    this.registerModule('head_bn', new BatchNorm2d(6)); // batch_normalization_5, no gamma in Keras
    this.registerModule('fc', new Linear(6, 5)); // dense
  }

  forward(x: T.Tensor): T.Tensor {
    return x;
  }
}

class Net2 extends Module {
  constructor() {
    super('net2');
    this.registerModule('dw', new Conv2d(4, 8, 3, { groups: 4, bias: false }));
    this.registerModule('sep', new SeparableConv2d(8, 6, 3, { depthMultiplier: 2, bias: true }));
  }

  forward(x: T.Tensor): T.Tensor {
    return x;
  }
}

/** Distinct values 0, 1, 2, ... in a Keras shape. */
const seqT = (shape: number[], offset = 0): T.Tensor => T.arange(shape.reduce((a, b) => a * b, 1), { dtype: 'float32' }).add(offset).reshape(shape);

function kerasWeights(): Map<string, T.Tensor> {
  return new Map([
    ['conv1/kernel', seqT([3, 2, 3, 4])],
    ['conv1/bias', seqT([4], 100)],
    ['conv1_bn/gamma', seqT([4], 1)],
    ['conv1_bn/beta', seqT([4], 2)],
    ['conv1_bn/moving_mean', seqT([4], 3)],
    ['conv1_bn/moving_variance', seqT([4], 4)],
    ['block_dw/depthwise_kernel', seqT([3, 3, 4, 2])],
    ['block_sep/depthwise_kernel', seqT([3, 3, 8, 2])],
    ['block_sep/pointwise_kernel', seqT([1, 1, 16, 6])],
    ['block_sep/bias', seqT([6], 7)],
    ['model/conv2d_12/kernel:0', seqT([1, 1, 4, 6])],
    ['batch_normalization_4/beta', seqT([6], 5)],
    ['batch_normalization_4/moving_mean', seqT([6])],
    ['batch_normalization_4/moving_variance', seqT([6], 1)],
    ['batch_normalization_5/beta', seqT([6], 9)],
    ['batch_normalization_5/moving_mean', seqT([6])],
    ['batch_normalization_5/moving_variance', seqT([6], 1)],
    ['dense/kernel', seqT([6, 5])],
    ['dense/bias', seqT([5])],
  ]);
}

test('kerasToFovea: layouts, names (path, dotted as underscores, unnamed in order), BN without gamma', () => {
  const net = new Net();
  const kw = kerasWeights();
  try {
    const sd = kerasToFovea(kw, net);
    net.loadStateDict(sd); // strict: every parameter and buffer is there
    const at = (k: string, idx: number[]): number => {
      let t = sd.get(k)!;
      for (const i of idx) t = t.select(0, i);
      return t.item() as number;
    };
    const kerasAt = (k: string, idx: number[]): number => {
      let t = kw.get(k)!;
      for (const i of idx) t = t.select(0, i);
      return t.item() as number;
    };
    T.tidy(() => {
      // conv (kh, kw, in, out) -> [out, in, kh, kw]
      assert.deepEqual(sd.get('conv1.weight')!.shape, [4, 3, 3, 2]);
      assert.equal(at('conv1.weight', [3, 1, 2, 0]), kerasAt('conv1/kernel', [2, 0, 1, 3]));
      assert.equal(at('conv1.weight', [1, 2, 0, 1]), kerasAt('conv1/kernel', [0, 1, 2, 1]));
      // BN
      assert.deepEqual(Array.from(sd.get('conv1_bn.running_var')!.data() as Float32Array), [4, 5, 6, 7]);
      assert.deepEqual(Array.from(sd.get('conv1_bn.weight')!.data() as Float32Array), [1, 2, 3, 4]);
      // depthwise (kh, kw, C, M) -> [C*M, 1, kh, kw], channel c*M + m
      assert.deepEqual(sd.get('block.dw.weight')!.shape, [8, 1, 3, 3]);
      assert.equal(at('block.dw.weight', [2 * 2 + 1, 0, 1, 2]), kerasAt('block_dw/depthwise_kernel', [1, 2, 2, 1]));
      // separable
      assert.deepEqual(sd.get('block.sep.depthwise.weight')!.shape, [16, 1, 3, 3]);
      assert.equal(at('block.sep.depthwise.weight', [7 * 2 + 1, 0, 2, 0]), kerasAt('block_sep/depthwise_kernel', [2, 0, 7, 1]));
      assert.deepEqual(sd.get('block.sep.pointwise.weight')!.shape, [6, 16, 1, 1]);
      assert.equal(at('block.sep.pointwise.weight', [5, 11, 0, 0]), kerasAt('block_sep/pointwise_kernel', [0, 0, 11, 5]));
      assert.equal(at('block.sep.pointwise.bias', [3]), 10);
      // unnamed conv2d_12 / batch_normalization_4 / _5 / dense paired in order
      assert.equal(at('res.weight', [5, 3, 0, 0]), kerasAt('model/conv2d_12/kernel:0', [0, 0, 3, 5]));
      assert.ok(!sd.has('res_bn.weight'));
      assert.equal(at('res_bn.bias', [0]), 5);
      assert.equal(at('head_bn.bias', [0]), 9);
      assert.deepEqual(Array.from(sd.get('head_bn.weight')!.data() as Float32Array), [1, 1, 1, 1, 1, 1], 'no gamma: scale 1');
      // dense (in, out) -> [out, in]
      assert.equal(at('fc.weight', [4, 1]), kerasAt('dense/kernel', [1, 4]));
    });
    for (const t of sd.values()) t.dispose();

    // errors name the parameter or layer
    const without = new Map(kw);
    without.delete('conv1_bn/moving_variance');
    assert.throws(() => kerasToFovea(without, net), /Keras layer 'conv1_bn' \(for conv1_bn\) has no weight 'moving_variance'/);
    const misshaped = new Map(kw);
    misshaped.set('block_sep/pointwise_kernel', seqT([1, 1, 16, 7]));
    assert.throws(() => kerasToFovea(misshaped, net), /model parameter 'block\.sep\.pointwise\.weight' \[6, 16, 1, 1\] does not match Keras weight 'block_sep\/pointwise_kernel'/);
    misshaped.get('block_sep/pointwise_kernel')!.dispose();
    const stranger = new Map(kw);
    stranger.set('mystery/kernel', seqT([1]));
    assert.throws(() => kerasToFovea(stranger, net), /Keras layer 'mystery' matches no module of the model/);
    stranger.get('mystery/kernel')!.dispose();
    const tooFew = new Map([...kw].filter(([k]) => !k.startsWith('dense/')));
    assert.throws(() => kerasToFovea(tooFew, net), /model parameters without a Keras weight: fc\.weight, fc\.bias/);
  } finally {
    net.dispose();
    for (const t of kw.values()) t.dispose();
  }
});

test('kerasToFovea: nasnet_mobile Keras names (kerasNames) round trip', () => {
  const src = createModel('nasnet_mobile');
  const dst = createModel('nasnet_mobile');
  const keras = new Map<string, T.Tensor>();
  try {
    const names = (src as unknown as { kerasNames(): Map<string, string> }).kerasNames();
    assert.ok(names.has('separable_conv_1_bn_normal_left1_0') && names.has('adjust_conv_projection_reduce_4') && names.has('adjust_conv_2_stem_2'));
    const sd = src.stateDict();
    // distinct batch-norm values, so a mix-up would show
    T.noGrad(() => {
      for (const [k, v] of sd) if (/\.(weight|bias|running_mean|running_var)$/.test(k) && v.ndim === 1) v.copy_(T.rand(v.shape).add(0.5));
    });
    // write the model's weights back in Keras names and layouts
    T.tidy(() => {
      for (const [k, path] of names) {
        const m = src.getModule(path);
        const put = (w: string, t: T.Tensor): void => void keras.set(`${k}/${w}`, T.keep(t.contiguous().clone()));
        if (m instanceof SeparableConv2d) {
          const d = sd.get(`${path}.depthwise.weight`)!;
          put('depthwise_kernel', d.reshape([d.shape[0], 1, d.shape[2], d.shape[3]]).permute([2, 3, 0, 1]));
          put('pointwise_kernel', sd.get(`${path}.pointwise.weight`)!.permute([2, 3, 1, 0]));
        } else if (m instanceof Conv2d) {
          put('kernel', sd.get(`${path}.weight`)!.permute([2, 3, 1, 0]));
        } else if (m instanceof BatchNorm2d) {
          for (const [w, p] of [['gamma', 'weight'], ['beta', 'bias'], ['moving_mean', 'running_mean'], ['moving_variance', 'running_var']]) {
            put(w, sd.get(`${path}.${p}`)!);
          }
        } else if (m instanceof Linear) {
          put('kernel', sd.get(`${path}.weight`)!.t());
          put('bias', sd.get(`${path}.bias`)!);
        }
      }
    });
    const mapped = kerasToFovea(keras, dst);
    dst.loadStateDict(mapped);
    for (const t of mapped.values()) t.dispose();
    for (const [k, v] of dst.stateDict()) {
      if (k.endsWith('num_batches_tracked')) continue;
      assert.ok(T.tidy(() => v.sub(sd.get(k)!).abs().max().item() === 0), `${k} round-trips`);
    }
  } finally {
    src.dispose();
    dst.dispose();
    for (const t of keras.values()) t.dispose();
  }
});

// ---------------------------------------------------------------- Google's TF.js MobileNet V1 0.25

const SHARED = sharedDir();
const MODEL = join(SHARED, 'weights', 'mobilenet_v1_025_224');
const SAMPLE = join(SHARED, 'datasets', 'imagenet-sample');
const haveReal = existsSync(join(MODEL, 'model.json')) && existsSync(SAMPLE) ? false : `needs ${MODEL} and ${SAMPLE}`;

// Measured with this importer (resize short side 256, centre crop 224, x / 127.5 - 1): first 100
// images 61 top-1, 86 top-5; all 1000: 584 / 818 (TF.js on the same pixels: identical).
const EXPECTED = SLOW ? { n: 1000, top1: 584, top5: 818 } : { n: 100, top1: 61, top5: 86 };

test(`TF.js MobileNet V1 0.25 on the ImageNet sample (${EXPECTED.n} images): top-1 and top-5 as measured, near TF.js's`, { skip: haveReal }, async (t) => {
  const { weights, topology } = await readTfjsLayersModel(MODEL);
  assert.equal((topology as { keras_version?: string }).keras_version, '2.1.4');
  const model = createModel('mobilenet_025');
  try {
    const sd = kerasToFovea(weights, model);
    model.loadStateDict(sd);
    for (const x of [...sd.values(), ...weights.values()]) x.dispose();
    model.eval();
    const files = readdirSync(SAMPLE).filter((f) => f.endsWith('.jpg')).sort();
    const wnids = [...new Set(files.map((f) => f.split('_')[0]))].sort();
    const [, h, w] = model.config.inputSize;
    let top1 = 0;
    let top5 = 0;
    const batch = 50;
    for (let s = 0; s < EXPECTED.n; s += batch) {
      const chunk = files.slice(s, Math.min(EXPECTED.n, s + batch));
      const images = await mapLimit(chunk, 2, (f) => decodeImage(join(SAMPLE, f), { size: [h, w], resizeShortSide: model.config.resizeShortSide }));
      const x = new Float32Array(chunk.length * 3 * h * w);
      images.forEach((img, b) => {
        for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) x[(b * 3 + c) * h * w + i] = (img[i * 3 + c] / 255 - model.config.mean[c]) / model.config.std[c];
      });
      const idx = T.tidy(() => T.noGrad(() => model.call(T.fromTypedArray(x, [chunk.length, 3, h, w])).topk(5, { dim: 1 })[1]));
      const top = Array.from(idx.data() as BigInt64Array, Number);
      idx.dispose();
      chunk.forEach((f, b) => {
        const label = wnids.indexOf(f.split('_')[0]);
        const row = top.slice(b * 5, b * 5 + 5);
        if (row[0] === label) top1++;
        if (row.includes(label)) top5++;
      });
    }
    t.diagnostic(`top-1 ${top1}/${EXPECTED.n}, top-5 ${top5}/${EXPECTED.n}`);
    assert.ok(Math.abs(top1 - EXPECTED.top1) <= 2, `top-1 ${top1}/${EXPECTED.n}, measured ${EXPECTED.top1}`);
    assert.ok(Math.abs(top5 - EXPECTED.top5) <= 2, `top-5 ${top5}/${EXPECTED.n}, measured ${EXPECTED.top5}`);
    if (SLOW) assert.ok(Math.abs(top1 / 1000 - 0.582) <= 0.01, `top-1 ${top1 / 1000} vs TF.js 0.582 +/- 0.01`);
  } finally {
    model.dispose();
  }
});
