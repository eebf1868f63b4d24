// Flat ImageNet-style folders (<wnid>_<label>.jpg, class = rank of the wnid) and the
// evaluation preprocessing of pretrained weights (shorter side resized, then the centre crop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage, isWnidFolder, scanWnidFolder } from '../../src/data/index.js';
import { tempDir } from './fixtures.js';

const png = (w: number, h: number, rgb: [number, number, number]): Promise<Buffer> => sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();

test('a flat <wnid>_<label> folder: classes in wnid order, names from the files, bad names named', async () => {
  const dir = tempDir('wnid');
  try {
    writeFileSync(join(dir, 'n02000000_zebra_crossing.png'), await png(4, 4, [0, 0, 0]));
    writeFileSync(join(dir, 'n01000000_ant.png'), await png(4, 4, [0, 0, 0]));
    writeFileSync(join(dir, 'n02000000_zebra_crossing_2.png'), await png(4, 4, [0, 0, 0]));
    writeFileSync(join(dir, 'README.txt'), 'not an image');
    assert.ok(isWnidFolder(dir));
    const f = scanWnidFolder(dir);
    assert.deepEqual(f.wnids, ['n01000000', 'n02000000']);
    assert.deepEqual(f.classes, ['ant', 'zebra_crossing']);
    assert.deepEqual(
      f.entries.map((e) => [e.path.slice(dir.length + 1), e.label]),
      [
        ['n01000000_ant.png', 0],
        ['n02000000_zebra_crossing.png', 1],
        ['n02000000_zebra_crossing_2.png', 1],
      ],
    );
    writeFileSync(join(dir, 'holiday.png'), await png(4, 4, [0, 0, 0]));
    assert.equal(isWnidFolder(dir), false);
    assert.throws(() => scanWnidFolder(dir), /holiday\.png' is not named <wnid>_<label>/);
    assert.equal(isWnidFolder(join(dir, 'nowhere')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resizeShortSide: shorter side to n, aspect kept, then the centre crop', async () => {
  // 60x30: left third red, middle green, right third blue
  const w = 60;
  const h = 30;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(x < 20 ? [255, 0, 0] : x < 40 ? [0, 255, 0] : [0, 0, 255], (y * w + x) * 3);
  const img = await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  // short side 30 -> 60x30 unchanged, centre 20x20 crop = the green third exactly
  const a = await decodeImage(img, { size: [20, 20], resizeShortSide: 30, interpolation: 'nearest' });
  assert.equal(a.length, 20 * 20 * 3);
  for (let i = 0; i < 400; i++) assert.deepEqual([...a.subarray(i * 3, i * 3 + 3)], [0, 255, 0]);
  // short side 15 -> 30x15, centre 10x10 crop (columns 10..19): the green third again
  const b = await decodeImage(img, { size: [10, 10], resizeShortSide: 15, interpolation: 'nearest' });
  for (let i = 0; i < 100; i++) assert.deepEqual([...b.subarray(i * 3, i * 3 + 3)], [0, 255, 0]);
  // a crop larger than the short side: the image is scaled up to cover it
  const c = await decodeImage(img, { size: [40, 40], resizeShortSide: 10 });
  assert.equal(c.length, 40 * 40 * 3);
});
