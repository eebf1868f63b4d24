// A minimal zip reader (what torch.save writes: stored or deflated entries, zip64 records):
// the central directory lists the entries, node:zlib inflates deflated ones. Read-only, in memory.
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
}

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();

  constructor(
    readonly buf: Uint8Array,
    readonly source = 'zip',
  ) {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const fail = (msg: string): never => {
      throw new Error(`${source}: not a readable zip archive (${msg})`);
    };
    // end of central directory: 22 bytes plus a comment of up to 65535 bytes, at the end
    let eocd = -1;
    for (let i = buf.byteLength - 22; i >= Math.max(0, buf.byteLength - 22 - 65535); i--) {
      if (view.getUint32(i, true) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) fail('no end-of-central-directory record');
    let count = view.getUint16(eocd + 10, true);
    let cdSize = view.getUint32(eocd + 12, true);
    let cdOffset = view.getUint32(eocd + 16, true);
    // zip64: a locator right before the EOCD points at the zip64 EOCD record
    const loc = eocd - 20;
    if (loc >= 0 && view.getUint32(loc, true) === 0x07064b50) {
      const z64 = Number(view.getBigUint64(loc + 8, true));
      if (view.getUint32(z64, true) !== 0x06064b50) fail('bad zip64 end-of-central-directory record');
      count = Number(view.getBigUint64(z64 + 32, true));
      cdSize = Number(view.getBigUint64(z64 + 40, true));
      cdOffset = Number(view.getBigUint64(z64 + 48, true));
    }
    if (cdOffset + cdSize > buf.byteLength) fail('central directory outside the file');
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (view.getUint32(p, true) !== 0x02014b50) fail(`bad central directory entry ${i}`);
      const method = view.getUint16(p + 10, true);
      let compressedSize = view.getUint32(p + 20, true);
      let size = view.getUint32(p + 24, true);
      const nameLen = view.getUint16(p + 28, true);
      const extraLen = view.getUint16(p + 30, true);
      const commentLen = view.getUint16(p + 32, true);
      let headerOffset = view.getUint32(p + 42, true);
      const name = Buffer.from(buf.buffer, buf.byteOffset + p + 46, nameLen).toString('utf8');
      // zip64 extended information: the 0xffffffff fields, in order, as 64-bit values
      let e = p + 46 + nameLen;
      const end = e + extraLen;
      while (e + 4 <= end) {
        const id = view.getUint16(e, true);
        const len = view.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === 0xffffffff) (size = Number(view.getBigUint64(q, true))), (q += 8);
          if (compressedSize === 0xffffffff) (compressedSize = Number(view.getBigUint64(q, true))), (q += 8);
          if (headerOffset === 0xffffffff) headerOffset = Number(view.getBigUint64(q, true));
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method, compressedSize, size, headerOffset });
      p = end + commentLen;
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The uncompressed bytes of an entry (a view into the archive for stored entries). */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) throw new Error(`${this.source}: the archive has no entry '${name}'`);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    if (view.getUint32(e.headerOffset, true) !== 0x04034b50) throw new Error(`${this.source}: bad local header for '${name}'`);
    const start = e.headerOffset + 30 + view.getUint16(e.headerOffset + 26, true) + view.getUint16(e.headerOffset + 28, true);
    if (start + e.compressedSize > this.buf.byteLength) throw new Error(`${this.source}: entry '${name}' runs past the end of the file`);
    const raw = this.buf.subarray(start, start + e.compressedSize);
    if (e.method === 0) return raw;
    if (e.method === 8) {
      const out = inflateRawSync(raw);
      if (out.byteLength !== e.size) throw new Error(`${this.source}: entry '${name}' inflated to ${out.byteLength} bytes, expected ${e.size}`);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    }
    throw new Error(`${this.source}: entry '${name}' uses unsupported compression method ${e.method}`);
  }
}

/** True when the bytes start like a zip archive (a local file header). */
export function isZip(buf: Uint8Array): boolean {
  return buf.byteLength >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}
