// Image decoding with sharp (libvips): JPEG, PNG, WebP, GIF (first frame), TIFF, AVIF. EXIF
// rotation is applied; grayscale, CMYK and 16-bit images become 8-bit sRGB; alpha is flattened
// onto black. Output is HWC uint8 RGB at the requested size.
import sharp from 'sharp';

export type ResizeMode = 'stretch' | 'crop' | 'pad';
export type Interpolation = 'nearest' | 'bilinear' | 'bicubic' | 'lanczos3';

export interface DecodeOptions {
  /** [height, width]. */
  size: readonly [number, number];
  /** stretch: ignore aspect; crop: shorter side to size then centre crop; pad: letterbox. */
  resize?: ResizeMode;
  interpolation?: Interpolation;
}

export class DecodeError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'DecodeError';
  }
}

const KERNEL = { nearest: 'nearest', bilinear: 'linear', bicubic: 'cubic', lanczos3: 'lanczos3' } as const;
const FIT = { stretch: 'fill', crop: 'cover', pad: 'contain' } as const;

// libvips caches decoded images by default; a data set is decoded once, so the cache only costs memory.
sharp.cache(false);

/** Decodes one image file or buffer to HWC uint8 RGB. Rejects with a DecodeError naming the file. */
export async function decodeImage(input: string | Buffer, o: DecodeOptions, name = typeof input === 'string' ? input : 'buffer'): Promise<Uint8Array> {
  const [h, w] = o.size;
  try {
    const { data, info } = await sharp(input, { failOn: 'error', pages: 1, limitInputPixels: 1 << 28 })
      .rotate()
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .toColourspace('srgb')
      .resize(w, h, { fit: FIT[o.resize ?? 'crop'], position: 'centre', kernel: KERNEL[o.interpolation ?? 'bilinear'], background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== w || info.height !== h) {
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${w}x${h}x3`);
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    const msg = (e as Error).message || String(e);
    throw new DecodeError(name, /unsupported image format|Input file contains unsupported/i.test(msg) ? 'not an image file' : msg);
  }
}

/** Maps fn over items with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}
