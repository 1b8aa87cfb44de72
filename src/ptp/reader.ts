/** A bounded little-endian reader: reading past the end is PTP_TRUNCATED, never garbage. */
import { PtpCodecError } from './errors.js';

export class PtpReader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private take(n: number, what: string): number {
    if (n > this.remaining) {
      throw new PtpCodecError('PTP_TRUNCATED', `${what}: needs ${n} bytes, ${this.remaining} left`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(what = 'uint8'): number {
    return this.buf.readUInt8(this.take(1, what));
  }

  u16(what = 'uint16'): number {
    return this.buf.readUInt16LE(this.take(2, what));
  }

  u32(what = 'uint32'): number {
    return this.buf.readUInt32LE(this.take(4, what));
  }

  /** uint64 as a number; values above 2^53 are refused rather than rounded. */
  u64(what = 'uint64'): number {
    const value = this.buf.readBigUInt64LE(this.take(8, what));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new PtpCodecError('PTP_VALUE_INVALID', `${what}: ${value} is larger than 2^53`);
    }
    return Number(value);
  }

  bytes(n: number, what = 'bytes'): Buffer {
    const at = this.take(n, what);
    return this.buf.subarray(at, at + n);
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** A PTP array: uint32 count, then count elements (bounded by the bytes that remain). */
  array(size: 2 | 4, what: string): number[] {
    const count = this.u32(`${what} count`);
    if (count * size > this.remaining) {
      throw new PtpCodecError(
        'PTP_TRUNCATED',
        `${what}: ${count} elements do not fit in ${this.remaining} bytes`,
      );
    }
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(size === 2 ? this.u16(what) : this.u32(what));
    return out;
  }

  end(what: string): void {
    if (this.remaining !== 0) {
      throw new PtpCodecError('PTP_TRAILING_BYTES', `${what}: ${this.remaining} unexpected trailing bytes`);
    }
  }
}
