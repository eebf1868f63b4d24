// Writes the Markdown twin's figures: charts SVG → PNG with sharp (2x density), rasters as they are.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic.js';
import type { Figure } from './section.js';

export async function svgToPng(svg: string, density = 144): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density }).png({ compressionLevel: 6 }).toBuffer();
}

/**
 * Writes every figure into dir (each file atomically); returns the written paths in figure order.
 * The SVG -> PNG conversions run concurrently: sharp renders on its own thread pool, so a
 * many-run report does not wait for each chart in turn.
 */
export async function writeFigures(figures: readonly Figure[], dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written = await Promise.all(
    figures.map(async (f): Promise<string | undefined> => {
      if (f.svg !== undefined) {
        const p = join(dir, f.file.replace(/\.svg$/, '.png'));
        writeFileAtomic(p, await svgToPng(f.svg));
        return p;
      }
      if (f.raster) {
        const p = join(dir, f.file);
        writeFileAtomic(p, f.raster);
        return p;
      }
      return undefined;
    }),
  );
  return written.filter((p): p is string => p !== undefined);
}
