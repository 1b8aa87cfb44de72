/**
 * ISO/IEC 14496-12 (ISOBMFF) box writing: a big-endian field writer that refuses values out of their
 * field's range, `box` and `fullBox` (§4.2) that prefix a size and four-character type (switching to
 * a 64-bit largesize past 4 GiB), and a bounded reader of a box sequence for checks and tests.
 */
import { concatBytes as concat } from '../../util/bytes.js';
import { Mp4Error } from './errors.js';

function checked(v: number, max: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0 || v > max) {
    throw new Mp4Error('MP4_VALUE_INVALID', `${v} does not fit a ${what}`);
  }
  return v;
}

function fourccBytes(type: string): Uint8Array {
  if (!/^[\x20-\x7e]{4}$/.test(type))
    throw new Mp4Error('MP4_VALUE_INVALID', `box type ${JSON.stringify(type)}`);
  return Uint8Array.from(type, (ch) => ch.charCodeAt(0));
}

/** Big-endian fields, concatenated on demand. */
export class FieldWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }

  private int(v: number, bytes: number, what: string): this {
    checked(v, 2 ** (8 * bytes) - 1, what);
    const b = new Uint8Array(bytes);
    let rest = v;
    for (let i = bytes - 1; i >= 0; i--) {
      b[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    return this.push(b);
  }

  u8(v: number): this {
    return this.int(v, 1, 'uint8');
  }

  u16(v: number): this {
    return this.int(v, 2, 'uint16');
  }

  u24(v: number): this {
    return this.int(v, 3, 'uint24');
  }

  u32(v: number): this {
    return this.int(v, 4, 'uint32');
  }

  /** uint64 from a safe integer (2^53 ticks of a 90 kHz clock is over 3000 years). */
  u64(v: number): this {
    return this.int(v, 8, 'uint64');
  }

  /** int32, two's complement. */
  i32(v: number): this {
    if (!Number.isSafeInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
      throw new Mp4Error('MP4_VALUE_INVALID', `${v} does not fit an int32`);
    }
    return this.u32(v < 0 ? v + 2 ** 32 : v);
  }

  /** Unsigned 16.16 fixed point, from an integer. */
  fixed16(v: number): this {
    return this.u32(checked(v, 0xffff, 'fixed 16.16') * 0x10000);
  }

  fourcc(type: string): this {
    return this.push(fourccBytes(type));
  }

  zeros(n: number): this {
    return this.push(new Uint8Array(n));
  }

  bytes(b: Uint8Array): this {
    return this.push(b);
  }

  get length(): number {
    return this.size;
  }

  toBytes(): Uint8Array {
    return concat(this.parts);
  }
}

export { concat };

/** The header of a box whose payload is `payloadSize` bytes: 8 bytes, or 16 with a largesize. */
export function boxHeader(type: string, payloadSize: number): Uint8Array {
  const w = new FieldWriter();
  if (payloadSize + 8 <= 0xffffffff)
    return w
      .u32(payloadSize + 8)
      .fourcc(type)
      .toBytes();
  return w
    .u32(1)
    .fourcc(type)
    .u64(payloadSize + 16)
    .toBytes();
}

/** A box: size, type, then the payload parts in order (§4.2 Box). */
export function box(type: string, ...payload: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of payload) size += p.length;
  return concat([boxHeader(type, size), ...payload]);
}

/** A full box: a box whose payload starts with an 8-bit version and 24-bit flags (§4.2 FullBox). */
export function fullBox(
  type: string,
  version: number,
  flags: number,
  ...payload: readonly Uint8Array[]
): Uint8Array {
  return box(type, new FieldWriter().u8(version).u24(flags).toBytes(), ...payload);
}

export interface BoxInfo {
  readonly type: string;
  /** Offset of the box's first byte within the buffer read. */
  readonly start: number;
  /** Whole box size, header included. */
  readonly size: number;
  readonly headerSize: number;
  /** The payload (after the header), a view into the buffer. */
  readonly payload: Uint8Array;
}

/** Reads a sequence of sibling boxes that must exactly fill `buf` (size 0, "to end of file", allowed last). */
export function readBoxes(buf: Uint8Array): BoxInfo[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: BoxInfo[] = [];
  let at = 0;
  while (at < buf.length) {
    if (buf.length - at < 8)
      throw new Mp4Error('MP4_TRUNCATED', `box header at ${at}: ${buf.length - at} bytes`);
    let size = view.getUint32(at);
    const type = String.fromCharCode(...buf.subarray(at + 4, at + 8));
    let headerSize = 8;
    if (size === 1) {
      if (buf.length - at < 16) throw new Mp4Error('MP4_TRUNCATED', `largesize of ${type} at ${at}`);
      const large = view.getBigUint64(at + 8);
      size = large > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(large);
      headerSize = 16;
    } else if (size === 0) {
      size = buf.length - at;
    }
    if (size < headerSize || size > buf.length - at) {
      throw new Mp4Error('MP4_TRUNCATED', `${type} at ${at}: size ${size}, ${buf.length - at} bytes left`);
    }
    out.push({ type, start: at, size, headerSize, payload: buf.subarray(at + headerSize, at + size) });
    at += size;
  }
  return out;
}
