// Writes the Markdown twin's figures: charts SVG → PNG with sharp (2x density), rasters as they are.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Figure } from './section.js';

export async function svgToPng(svg: string, density = 144): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density }).png({ compressionLevel: 6 }).toBuffer();
}

/** Writes every figure into dir; returns the written paths. */
export async function writeFigures(figures: readonly Figure[], dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (const f of figures) {
    if (f.svg !== undefined) {
      const p = join(dir, f.file.replace(/\.svg$/, '.png'));
      writeFileSync(p, await svgToPng(f.svg));
      out.push(p);
    } else if (f.raster) {
      const p = join(dir, f.file);
      writeFileSync(p, f.raster);
      out.push(p);
    }
  }
  return out;
}
