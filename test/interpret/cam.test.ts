// Interpretability on a hand-built network whose class-1 evidence is a bright patch: CAM,
// Grad-CAM and saliency must peak where the patch is; feature grids and overlays as PNGs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as T from '../../src/torch/index.js';
import * as nn from '../../src/nn/index.js';
import * as I from '../../src/interpret/index.js';

const S = 32;

/** Conv 'feat' (channel 0: local brightness; channel 1: 1 - brightness, both ReLU) → GAP → Dense. */
function patchModel(pool: 'avg' | 'max' = 'avg', functional = false): nn.Model {
  const layers = [
    nn.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', name: 'feat' }),
    nn.conv2d({ filters: 2, kernelSize: 1, activation: 'relu', name: 'mix' }),
    pool === 'avg' ? nn.globalAveragePooling2d() : nn.globalMaxPooling2d(),
    nn.dropout({ rate: 0.5 }),
    nn.dense({ units: 2, name: 'head' }),
  ];
  let m: nn.Model;
  if (functional) {
    const inp = nn.input([3, S, S]);
    let t = inp;
    for (const l of layers) t = l.apply(t);
    m = nn.model({ inputs: inp, outputs: t });
  } else m = nn.sequential(layers, { inputShape: [3, S, S] });
  m.loadStateDict({
    'feat.weight': T.cat([T.full([1, 3, 3, 3], 1 / 27), T.full([1, 3, 3, 3], -1 / 27)], { dim: 0 }),
    'feat.bias': T.tensor([0, 1]),
    'mix.weight': T.eye(2).reshape([2, 2, 1, 1]),
    'mix.bias': T.zeros([2]),
    // class 0 reads channel 1 (darkness), class 1 channel 0 (the bright patch)
    'head.weight': T.tensor([
      [0, 1],
      [1, 0],
    ]),
    'head.bias': T.zeros([2]),
  });
  return m.eval();
}

/** A dark image with an 8x8 bright patch at (top, left). */
function patchImage(top: number, left: number): T.Tensor {
  return T.tidy(() => {
    const x = T.zeros([1, 3, S, S]);
    T.noGrad(() => x.narrow(2, top, 8).narrow(3, left, 8).fill_(1));
    return x;
  });
}

function quadrant(p: { x: number; y: number }): string {
  return `${p.y < S / 2 ? 'top' : 'bottom'}-${p.x < S / 2 ? 'left' : 'right'}`;
}

/** Share of the heat map's mass in the quadrant. */
function massIn(h: I.HeatMap, q: string): number {
  let inside = 0;
  let total = 0;
  for (let y = 0; y < h.height; y++) {
    for (let x = 0; x < h.width; x++) {
      const v = h.data[y * h.width + x];
      total += v;
      if (quadrant({ x, y }) === q) inside += v;
    }
  }
  return inside / total;
}

test('forward hooks see each layer output, can replace it, and are removable', () => {
  const m = patchModel();
  const seen: number[][] = [];
  const head = m.getLayer('head');
  const off = head.registerForwardHook((_mod, _in, out) => {
    seen.push(out.shape);
    return out.mul(0);
  });
  T.tidy(() => {
    const x = patchImage(4, 4);
    assert.deepEqual(m.call(x).dataNumbers(), [0, 0]);
    off();
    assert.notDeepEqual(m.call(x).dataNumbers(), [0, 0]);
  });
  assert.deepEqual(seen, [[1, 2]]);
});

test('CAM, Grad-CAM and saliency peak on the patch and follow it', () => {
  const m = patchModel();
  for (const [top, left, q] of [
    [4, 4, 'top-left'],
    [20, 22, 'bottom-right'],
    [3, 21, 'top-right'],
  ] as const) {
    const x = patchImage(top, left);
    const cam = I.classActivationMap(m, x, { classIndex: 1 });
    const gc = I.gradCam(m, x, { layer: 'feat', classIndex: 1 });
    const sal = I.saliencyMap(m, x, { classIndex: 1 });
    for (const [name, e] of [
      ['cam', cam],
      ['gradcam', gc],
      ['saliency', sal],
    ] as const) {
      assert.equal(e.classIndex, 1);
      assert.equal(e.heat.width, S);
      assert.equal(e.heat.height, S);
      assert.equal(quadrant(I.heatPeak(e.heat)), q, `${name} peak for a patch at ${top},${left}`);
      assert.ok(massIn(e.heat, q) > 0.6, `${name}: ${massIn(e.heat, q).toFixed(2)} of the heat in ${q}`);
      assert.ok(Math.max(...e.heat.data) <= 1 && Math.min(...e.heat.data) >= 0);
    }
    assert.equal(cam.layer, 'mix');
    assert.equal(gc.layer, 'feat');
    x.dispose();
  }
  m.dispose();
});

test('defaults: the predicted class and the last conv layer; Grad-CAM on a functional model', () => {
  const m = patchModel('avg', true);
  const x = patchImage(4, 4);
  const gc = I.gradCam(m, x);
  // the image is mostly dark, so class 0 (darkness) wins; its evidence lies off the patch
  assert.equal(gc.classIndex, 0);
  assert.equal(gc.layer, 'mix');
  assert.ok(gc.heat.data[8 * S + 8] < 0.05 && gc.heat.data[24 * S + 24] > 0.95, 'class 0 heat is off the patch');
  assert.equal(quadrant(I.heatPeak(I.gradCam(m, x, { classIndex: 1 }).heat)), 'top-left');
  assert.equal(quadrant(I.heatPeak(I.classActivationMap(m, x, { classIndex: 1 }).heat)), 'top-left');
  x.dispose();
});

test('CAM refuses networks without GAP → Dense and points to gradcam', () => {
  const m = patchModel('max');
  const x = patchImage(4, 4);
  assert.throws(() => I.classActivationMap(m, x), (e: Error) => e instanceof I.CamStructureError && /GlobalMaxPooling2D/.test(e.message) && /gradcam/.test(e.message));
  assert.throws(() => I.classActivationMap(patchModel(), x, { layer: 'feat' }), /gradcam/);
  x.dispose();
});

test('an unknown layer names the available conv layers', () => {
  const m = patchModel();
  const x = patchImage(4, 4);
  for (const f of [() => I.gradCam(m, x, { layer: 'conv2d_9' }), () => I.featureMaps(m, x, 'conv2d_9')]) {
    assert.throws(f, (e: Error) => e instanceof I.UnknownLayerError && /'conv2d_9'/.test(e.message) && /feat, mix/.test(e.message));
  }
  assert.throws(() => I.gradCam(m, x, { layer: 'head' }), /does not output feature maps/);
  x.dispose();
});

test('feature grid and overlay PNGs have the expected sizes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fovea-interpret-'));
  try {
    const m = patchModel();
    const x = patchImage(4, 4);
    const f = I.featureMaps(m, x, 'feat');
    assert.deepEqual([f.channels, f.height, f.width], [2, S, S]);
    const grid = I.featureGrid(f, { gap: 2 });
    assert.deepEqual([grid.width, grid.height], [2 * S + 3 * 2, S + 2 * 2]);
    await I.writePng(grid, join(dir, 'grid.png'));
    const gm = await sharp(join(dir, 'grid.png')).metadata();
    assert.deepEqual([gm.width, gm.height], [grid.width, grid.height]);

    const display: I.RgbImage = { width: S, height: S, data: new Uint8Array(S * S * 3).fill(128) };
    const r = I.explainInput(m, x, display, { method: 'gradcam', classIndex: 1 });
    await I.writePng(r.image, join(dir, 'overlay.png'), { scale: 3, kernel: 'cubic' });
    const { data, info } = await sharp(join(dir, 'overlay.png')).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [3 * S, 3 * S, 3]);
    // the patch (hot) is coloured differently from the far corner (cold)
    const px = (xx: number, yy: number): number[] => [...data.subarray((yy * info.width + xx) * 3, (yy * info.width + xx) * 3 + 3)];
    assert.notDeepEqual(px(24, 24), px(90, 90));
    assert.throws(() => I.overlayHeatMap({ ...display, width: 8 }, r.explanation!.heat), /8x32/);
    x.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('class names and indices resolve; colour maps run dark to bright', () => {
  const classes = ['daisy', 'rose', 'tulip'];
  assert.equal(I.resolveClass('rose', classes), 1);
  assert.equal(I.resolveClass('2', classes), 2);
  assert.throws(() => I.resolveClass('lily', classes), /daisy, rose, tulip/);
  assert.throws(() => I.resolveClass(3, classes), /out of range/);
  for (const name of I.COLORMAPS) {
    const lut = I.colormapTable(name);
    const lum = (i: number): number => 0.3 * lut[i * 3] + 0.59 * lut[i * 3 + 1] + 0.11 * lut[i * 3 + 2];
    assert.ok(lum(0) < lum(128), name);
  }
  const v = I.colormapTable('viridis');
  [68, 1, 84].forEach((c, i) => assert.ok(Math.abs(v[i] - c) <= 3, `viridis(0) channel ${i}: ${v[i]} vs ${c}`));
});
