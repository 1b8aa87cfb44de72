/**
 * RBSP bit reading for H.264 (ISO/IEC 14496-10 §7.2, §7.4.1 and §9.1): emulation-prevention removal and
 * a bounded MSB-first bit reader with Exp-Golomb codes. Reading past the end is H264_TRUNCATED.
 */
import { H264Error } from './errors.js';

/** Removes emulation_prevention_three_byte: every 0x03 that follows two zero bytes (§7.4.1). */
export function nalToRbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 0x03) {
      zeros = 0;
      continue;
    }
    out[n++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

export class BitReader {
  private bit = 0;

  constructor(
    private readonly buf: Uint8Array,
    private readonly what: string,
  ) {}

  get bitsLeft(): number {
    return this.buf.length * 8 - this.bit;
  }

  /** One bit: 0 or 1. */
  u1(): number {
    const byte = this.buf[this.bit >> 3];
    if (byte === undefined) throw new H264Error('H264_TRUNCATED', `${this.what}: ran out of bits`);
    const value = (byte >> (7 - (this.bit & 7))) & 1;
    this.bit++;
    return value;
  }

  flag(): boolean {
    return this.u1() === 1;
  }

  /** u(n) for n <= 32. */
  u(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) value = value * 2 + this.u1();
    return value;
  }

  /** ue(v) (§9.1): more than 31 leading zeros cannot code a 32-bit value and is refused. */
  ue(): number {
    let zeros = 0;
    while (this.u1() === 0) {
      zeros++;
      if (zeros > 31) throw new H264Error('H264_SPS_INVALID', `${this.what}: Exp-Golomb code too long`);
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  /** se(v) (§9.1.1). */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}
