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
  /**
   * Resize so the shorter side is this many pixels (aspect kept), then take the centre `size`
   * crop: torchvision's Resize(n) + CenterCrop(size), how ImageNet weights are evaluated
   * (256 then 224). Replaces `resize` when given.
   */
  resizeShortSide?: number;
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
    const n = o.resizeShortSide;
    const pipeline = sharp(input, { failOn: 'error', pages: 1, limitInputPixels: 1 << 28 })
      .rotate()
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .toColourspace('srgb');
    if (n !== undefined) {
      // shorter side to n (never below the crop), then the centre crop in JavaScript
      const { data, info } = await pipeline
        .resize(Math.max(n, w), Math.max(n, h), { fit: 'outside', kernel: KERNEL[o.interpolation ?? 'bilinear'] })
        .removeAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3 || info.width < w || info.height < h) {
        throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected at least ${w}x${h}x3`);
      }
      return centreCrop(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, w, h);
    }
    const { data, info } = await pipeline
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

/** The centre w x h window of an HWC RGB image (offsets rounded as torchvision's CenterCrop). */
function centreCrop(px: Uint8Array, width: number, height: number, w: number, h: number): Uint8Array {
  if (width === w && height === h) return px;
  const top = Math.round((height - h) / 2);
  const left = Math.round((width - w) / 2);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) out.set(px.subarray(((top + y) * width + left) * 3, ((top + y) * width + left + w) * 3), y * w * 3);
  return out;
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
