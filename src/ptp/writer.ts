/** A little-endian writer for PTP/IP packets and datasets; a value out of its field's range is refused. */
import { PtpCodecError } from './errors.js';

function checked(v: number, max: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0 || v > max) {
    throw new PtpCodecError('PTP_VALUE_INVALID', `${v} does not fit a ${what}`);
  }
  return v;
}

export class PtpWriter {
  private readonly parts: Buffer[] = [];

  u8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeUInt8(checked(v, 0xff, 'uint8'));
    this.parts.push(b);
    return this;
  }

  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(checked(v, 0xffff, 'uint16'));
    this.parts.push(b);
    return this;
  }

  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(checked(v, 0xffffffff, 'uint32'));
    this.parts.push(b);
    return this;
  }

  u64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(checked(v, Number.MAX_SAFE_INTEGER, 'uint64')));
    this.parts.push(b);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.parts.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    return this;
  }

  array(size: 2 | 4, values: readonly number[]): this {
    this.u32(values.length);
    for (const v of values) {
      if (size === 2) this.u16(v);
      else this.u32(v);
    }
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}
