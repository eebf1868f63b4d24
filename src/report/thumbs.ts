// Thumbnails of data-set images for the misclassified gallery (JPEG buffers; the HTML inlines
// them as data URIs, the Markdown twin writes them next to report.md — never committed).
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import sharp from 'sharp';

/** Where an image path from predictions.jsonl lies: absolute, or under the data root, or the run folder. */
export function locateImage(file: string, roots: readonly string[]): string | null {
  if (isAbsolute(file)) return existsSync(file) ? file : null;
  for (const r of roots) {
    const p = join(r, file);
    if (existsSync(p)) return p;
  }
  return null;
}

export async function thumbnail(path: string, size = 112): Promise<Buffer | null> {
  try {
    return await sharp(path, { failOn: 'none' }).rotate().resize(size, size, { fit: 'cover' }).jpeg({ quality: 78 }).toBuffer();
  } catch {
    return null;
  }
}

export const dataUri = (buf: Buffer, mime: string): string => `data:${mime};base64,${buf.toString('base64')}`;
