import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../../src/torch/index.js';
import { scanImageFolder, checkSameClasses, DataError } from '../../src/data/image-folder.js';
import { decodeAll, skippedWarning } from '../../src/data/images.js';
import { decodeImage } from '../../src/data/decode.js';
import { stratifiedSplit } from '../../src/data/source.js';
import { fewShot } from '../../src/experiment/data.js';
import { oddImageFolder, tempDir } from './fixtures.js';

test('odd images decode to 8-bit RGB; corrupt, empty and non-image files are skipped and named', async () => {
  const root = tempDir('odd');
  try {
    await oddImageFolder(root);
    const f = scanImageFolder(root);
    assert.deepEqual(f.classes, ['café', 'with space']);
    assert.equal(f.entries.length, 8);
    const d = await decodeAll(f.entries, { size: [16, 16], resize: 'stretch' });
    assert.deepEqual(d.images.shape, [5, 16, 16, 3]);
    assert.equal(d.images.dtype, 'uint8');
    assert.deepEqual(d.skipped.map((s) => s.file.split('/').pop()).sort(), ['empty.jpg', 'notes.txt', 'truncated.jpg']);
    const warning = skippedWarning(d.skipped)!;
    assert.match(warning, /skipped 3 unreadable files/);
    for (const name of ['empty.jpg', 'notes.txt', 'truncated.jpg']) assert.ok(warning.includes(name));
    const files = d.files.map((p) => p.split('/').pop());
    const px = (name: string): number[] => {
      const i = files.indexOf(name);
      return T.tidy(() => d.images.select(0, i).select(0, 8).select(0, 8).dataNumbers());
    };
    const [gr, gg, gb] = px('gray.jpg');
    assert.ok(gr === gg && gg === gb, 'grayscale becomes three equal channels');
    const [cr, cg, cb] = px('cmyk.jpg');
    assert.ok(cr > 180 && cg < 60 && cb < 60, `CMYK red stays red: ${cr},${cg},${cb}`);
    const [ar, ag, ab] = px('alpha.png');
    assert.ok(ar < 10 && ag > 100 && ag < 160 && ab < 10, `alpha flattened onto black: ${ar},${ag},${ab}`);
    d.images.dispose();
    d.labels.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('EXIF rotation is applied before resizing', async () => {
  const root = tempDir('exif');
  try {
    await oddImageFolder(root);
    // stored: left red, right blue; orientation 6 shows it rotated 90° clockwise: top red, bottom blue
    const px = await decodeImage(join(root, 'café', 'exif.jpg'), { size: [16, 16], resize: 'stretch' });
    const at = (y: number, x: number): number[] => Array.from(px.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3));
    assert.ok(at(2, 8)[0] > 200 && at(2, 8)[2] < 60, `top is red: ${at(2, 8)}`);
    assert.ok(at(13, 8)[2] > 200 && at(13, 8)[0] < 60, `bottom is blue: ${at(13, 8)}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('resize modes: crop keeps the centre, pad letterboxes, stretch fills', async () => {
  const root = tempDir('resize');
  try {
    await oddImageFolder(root);
    const file = join(root, 'café', 'exif.jpg'); // displayed 20 wide x 40 tall: top red, bottom blue
    const crop = await decodeImage(file, { size: [10, 10], resize: 'crop' });
    const pad = await decodeImage(file, { size: [10, 10], resize: 'pad' });
    const at = (a: Uint8Array, y: number, x: number): number[] => Array.from(a.subarray((y * 10 + x) * 3, (y * 10 + x) * 3 + 3));
    assert.ok(at(pad, 5, 0).every((v) => v < 5), 'pad: black bars left and right');
    assert.ok(at(crop, 5, 0).some((v) => v > 100), 'crop: no bars');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an empty class folder, no class folders, and mismatched test classes are errors naming the folders', () => {
  const root = tempDir('empty');
  try {
    assert.throws(() => scanImageFolder(join(root, 'missing')), /data folder '.*missing' does not exist/);
    assert.throws(() => scanImageFolder(root), /has no class folders/);
    mkdirSync(join(root, 'train', 'a b'), { recursive: true });
    mkdirSync(join(root, 'train', 'c'), { recursive: true });
    assert.throws(() => scanImageFolder(join(root, 'train')), (e: Error) => e instanceof DataError && /empty class folders: '.*a b', '.*c'/.test(e.message));
    const train = { root: '/data/train', classes: ['cat', 'dog'], entries: [] };
    const testSet = { root: '/data/test', classes: ['cat', 'wolf'], entries: [] };
    assert.throws(() => checkSameClasses(train, testSet), /classes of '\/data\/test' differ from those of '\/data\/train' \(missing there: 'dog'; not in the training set: 'wolf'\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('splits are stratified, disjoint, complete and reproducible; few-shot subsets are disjoint', () => {
  const labels = [...Array(100).fill(0), ...Array(60).fill(1), ...Array(40).fill(2)];
  const [a, b, c] = stratifiedSplit(labels, [0.7, 0.2, 0.1], 7);
  assert.deepEqual([a.length, b.length, c.length], [140, 40, 20]);
  const count = (idx: number[], k: number): number => idx.filter((i) => labels[i] === k).length;
  assert.deepEqual([count(b, 0), count(b, 1), count(b, 2)], [20, 12, 8]);
  assert.equal(new Set([...a, ...b, ...c]).size, 200);
  assert.deepEqual(stratifiedSplit(labels, [0.7, 0.2, 0.1], 7), [a, b, c]);
  assert.notDeepEqual(stratifiedSplit(labels, [0.7, 0.2, 0.1], 8)[1], b);
  const entries = labels.map((label, i) => ({ path: `f${i}`, label }));
  const s0 = fewShot(entries, ['x', 'y', 'z'], 10, 0, 1);
  const s1 = fewShot(entries, ['x', 'y', 'z'], 10, 1, 1);
  assert.equal(s0.length, 30);
  assert.equal(s0.filter((e) => e.label === 2).length, 10);
  assert.equal(new Set([...s0, ...s1].map((e) => e.path)).size, 60, 'subsets are disjoint');
  assert.throws(() => fewShot(entries, ['x', 'y', 'z'], 30, 1, 1), /class 'z' has 40 training images, too few for subset 1 of 30/);
});
