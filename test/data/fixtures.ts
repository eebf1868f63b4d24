// Real image files made on the fly for the data and CLI tests.
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `fovea-${prefix}-`));
}

const solid = (w: number, h: number, r: number, g: number, b: number): sharp.Sharp =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } });

/** A folder of classes holding every kind of odd file the loader must handle. */
export async function oddImageFolder(root: string): Promise<void> {
  const a = join(root, 'with space');
  const b = join(root, 'café');
  mkdirSync(a, { recursive: true });
  mkdirSync(b, { recursive: true });
  await solid(40, 20, 200, 10, 10).grayscale().jpeg().toFile(join(a, 'gray.jpg'));
  await solid(40, 20, 255, 0, 0).toColourspace('cmyk').jpeg().toFile(join(a, 'cmyk.jpg'));
  await sharp({ create: { width: 30, height: 30, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 0.5 } } }).png().toFile(join(a, 'alpha.png'));
  await solid(30, 30, 0, 0, 255).webp().toFile(join(b, 'blue.webp'));
  // left half red, right half blue, stored 40x20 with EXIF orientation 6 (display rotated 90° clockwise)
  const half = Buffer.alloc(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) half.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
  await sharp(half, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(join(b, 'exif.jpg'));
  const good = readFileSync(join(b, 'exif.jpg'));
  writeFileSync(join(b, 'truncated.jpg'), good.subarray(0, Math.floor(good.length / 2)));
  writeFileSync(join(b, 'empty.jpg'), '');
  writeFileSync(join(b, 'notes.txt'), 'not an image');
}

/**
 * A small learnable data set: `perClass` images per class, each class a distinct colour with
 * noise, 16x16 PNGs in <root>/<class>/.
 */
export async function colourClasses(root: string, classes: readonly string[], perClass: number): Promise<void> {
  const colours = [
    [220, 40, 40],
    [40, 200, 40],
    [40, 40, 220],
    [200, 200, 40],
  ];
  let seed = 1;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (const [c, name] of classes.entries()) {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = Buffer.alloc(16 * 16 * 3);
      for (let p = 0; p < 16 * 16; p++) {
        for (let ch = 0; ch < 3; ch++) px[p * 3 + ch] = Math.max(0, Math.min(255, colours[c % colours.length][ch] + Math.round((rand() - 0.5) * 120)));
      }
      await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(root, name, `img${i}.png`));
    }
  }
}
