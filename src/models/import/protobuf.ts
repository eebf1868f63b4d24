// A minimal protobuf wire-format reader: enough to walk messages field by field (varints,
// 64-bit, length-delimited, 32-bit) and to read packed repeated scalars.

export const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

export interface Field {
  field: number;
  wire: number;
  /** Varint value as a bigint (VARINT), or the raw bytes (LEN, I64, I32). */
  varint?: bigint;
  bytes?: Uint8Array;
}

export class ProtoReader {
  private pos: number;
  private readonly end: number;

  constructor(
    readonly buf: Uint8Array,
    readonly source = 'protobuf',
  ) {
    this.pos = 0;
    this.end = buf.byteLength;
  }

  private fail(msg: string): never {
    throw new Error(`${this.source}: malformed protobuf (${msg} at byte ${this.pos})`);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7n;
      if (shift > 63n) this.fail('varint longer than 10 bytes');
    }
    return BigInt.asUintN(64, result);
  }

  /** A small non-negative varint (tags, lengths) as a number. */
  uvarint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) break;
      mul *= 128;
      if (mul > 2 ** 63) this.fail('varint longer than 10 bytes');
    }
    return result;
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) this.fail(`field of ${n} bytes runs past the end`);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  next(): Field {
    const tag = this.uvarint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    switch (wire) {
      case WIRE.VARINT:
        return { field, wire, varint: this.varint() };
      case WIRE.I64:
        return { field, wire, bytes: this.take(8) };
      case WIRE.LEN:
        return { field, wire, bytes: this.take(this.uvarint()) };
      case WIRE.I32:
        return { field, wire, bytes: this.take(4) };
      default:
        return this.fail(`unsupported wire type ${wire} for field ${field}`);
    }
  }

  /** Every field of the message, in order. */
  static fields(buf: Uint8Array, source?: string): Field[] {
    const r = new ProtoReader(buf, source);
    const out: Field[] = [];
    while (!r.done) out.push(r.next());
    return out;
  }
}

const utf8 = new TextDecoder('utf-8');

export function str(f: Field): string {
  return f.bytes ? utf8.decode(f.bytes) : '';
}

/** A signed 64-bit integer field as a number (exact up to 2^53). */
export function int64(f: Field): number {
  return Number(BigInt.asIntN(64, f.varint ?? 0n));
}

/** Appends the values of a repeated varint field (packed or not) as signed 64-bit numbers. */
export function pushInts(f: Field, out: number[]): void {
  if (f.wire === WIRE.VARINT) {
    out.push(int64(f));
    return;
  }
  const b = f.bytes!;
  let i = 0;
  while (i < b.byteLength) {
    // fast path for varints of up to 7 bytes (< 2^49); longer ones (negatives) through bigint
    let len = 0;
    while (i + len < b.byteLength && b[i + len] & 0x80) len++;
    len++;
    if (len <= 7) {
      let v = 0;
      for (let k = len - 1; k >= 0; k--) v = v * 128 + (b[i + k] & 0x7f);
      out.push(v);
    } else {
      let v = 0n;
      for (let k = len - 1; k >= 0; k--) v = (v << 7n) | BigInt(b[i + k] & 0x7f);
      out.push(Number(BigInt.asIntN(64, v)));
    }
    i += len;
  }
}

/** Appends the values of a repeated float field (packed or not). */
export function pushFloats(f: Field, out: number[]): void {
  const b = f.bytes!;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i + 4 <= b.byteLength; i += 4) out.push(v.getFloat32(i, true));
}

/** Appends the values of a repeated double field (packed or not). */
export function pushDoubles(f: Field, out: number[]): void {
  const b = f.bytes!;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i + 8 <= b.byteLength; i += 8) out.push(v.getFloat64(i, true));
}

export function float32(f: Field): number {
  const b = f.bytes!;
  return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
}
