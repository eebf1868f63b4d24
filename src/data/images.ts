// Decodes a list of image files once into one uint8 tensor [N, H, W, 3] (the in-memory cache),
// optionally kept on disk keyed by the files' content hash and the preprocessing. Bad files are
// skipped and reported, never fatal.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { Tensor, fromTypedArray, loadSafetensors, saveSafetensors } from '../torch/index.js';
import { decodeImage, mapLimit, type DecodeOptions } from './decode.js';
import type { ImageEntry } from './image-folder.js';

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface DecodedImages {
  /** uint8 [N, H, W, 3], RGB. */
  images: Tensor;
  /** int64 [N]. */
  labels: Tensor;
  /** The files that were decoded, in tensor order. */
  files: string[];
  skipped: SkippedFile[];
  /** Whether the images came from the disk cache. */
  fromCache: boolean;
}

export interface DecodeAllOptions extends DecodeOptions {
  /** Folder for the disk cache; no disk cache when absent. */
  cacheDir?: string;
  concurrency?: number;
}

function cacheKey(entries: readonly ImageEntry[], o: DecodeOptions): { key: string; contents: Buffer[] } {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: 1, size: o.size, resize: o.resize ?? 'crop', interpolation: o.interpolation ?? 'bilinear', ...(o.resizeShortSide !== undefined ? { resizeShortSide: o.resizeShortSide } : {}) }));
  const contents: Buffer[] = [];
  for (const e of entries) {
    let buf: Buffer;
    try {
      buf = readFileSync(e.path);
    } catch {
      buf = Buffer.alloc(0);
    }
    contents.push(buf);
    h.update(String(e.label));
    h.update(createHash('sha1').update(buf).digest());
  }
  return { key: h.digest('hex').slice(0, 32), contents };
}

/** Decodes every entry (in parallel), skipping unreadable files with their reasons. */
export async function decodeAll(entries: readonly ImageEntry[], o: DecodeAllOptions): Promise<DecodedImages> {
  const [h, w] = o.size;
  const { key, contents } = cacheKey(entries, o);
  const cachePath = o.cacheDir ? join(o.cacheDir, `images-${key}.safetensors`) : undefined;
  if (cachePath && existsSync(cachePath)) {
    try {
      const { tensors, metadata } = loadSafetensors(cachePath);
      const images = tensors.get('images');
      const labels = tensors.get('labels');
      if (images && labels) {
        return { images, labels, files: JSON.parse(metadata.files) as string[], skipped: JSON.parse(metadata.skipped) as SkippedFile[], fromCache: true };
      }
    } catch {
      /* a damaged cache file is rebuilt below */
    }
  }
  const per = h * w * 3;
  const decoded = await mapLimit(entries, o.concurrency ?? Math.max(2, availableParallelism() * 2), async (e, i) => {
    if (contents[i].byteLength === 0) return { error: 'empty or unreadable file' };
    try {
      return { data: await decodeImage(contents[i], o, e.path) };
    } catch (err) {
      return { error: (err as Error).message.replace(`${e.path}: `, '') };
    }
  });
  const skipped: SkippedFile[] = [];
  const files: string[] = [];
  const labels: number[] = [];
  const ok: Uint8Array[] = [];
  decoded.forEach((d, i) => {
    if ('data' in d && d.data) {
      ok.push(d.data);
      files.push(entries[i].path);
      labels.push(entries[i].label);
    } else {
      skipped.push({ file: entries[i].path, reason: 'error' in d ? String(d.error) : 'unknown' });
    }
  });
  const all = new Uint8Array(ok.length * per);
  ok.forEach((d, i) => all.set(d, i * per));
  const images = fromTypedArray(all, [ok.length, h, w, 3], { dtype: 'uint8' });
  const labelT = fromTypedArray(BigInt64Array.from(labels, BigInt), [labels.length], { dtype: 'int64' });
  if (cachePath) {
    mkdirSync(o.cacheDir!, { recursive: true });
    saveSafetensors(cachePath, new Map([['images', images], ['labels', labelT]]), { files: JSON.stringify(files), skipped: JSON.stringify(skipped) });
  }
  return { images, labels: labelT, files, skipped, fromCache: false };
}

/** One warning line naming every skipped file. */
export function skippedWarning(skipped: readonly SkippedFile[]): string | null {
  if (!skipped.length) return null;
  return `warning: skipped ${skipped.length} unreadable file${skipped.length > 1 ? 's' : ''}: ${skipped.map((s) => `${s.file} (${s.reason})`).join('; ')}`;
}
