/**
 * Splits a PTP/IP TCP byte stream into packets: packets may arrive split across reads or several in
 * one read. Limits are checked on the 8-byte header, before any payload is buffered: a length below 8,
 * an unknown type, or a length over the type's maximum is an error the connection closes on (it cannot
 * resynchronize a stream whose framing it no longer trusts).
 */
import { PacketType } from './codes.js';
import { PtpCodecError } from './errors.js';
import { decodePacket, HEADER_BYTES, type Packet } from './packets.js';

export interface FramerLimits {
  /** Largest Data / End Data packet (payload of bulk transfers). */
  readonly maxDataPacketBytes: number;
  /** Largest packet of any other type (init packets with names, requests, events...). */
  readonly maxControlPacketBytes: number;
}

export const DEFAULT_FRAMER_LIMITS: FramerLimits = {
  maxDataPacketBytes: 16 * 1024 * 1024,
  maxControlPacketBytes: 4 * 1024,
};

const KNOWN_TYPES = new Set<number>(Object.values(PacketType));

export class PacketFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly limits: FramerLimits = DEFAULT_FRAMER_LIMITS) {}

  /** Bytes received but not yet part of a complete packet. */
  get pending(): number {
    return this.buffered;
  }

  /** Feeds bytes; returns the packets they complete, in order. Throws PtpCodecError on bad framing. */
  push(chunk: Buffer): Packet[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Packet[] = [];
    for (;;) {
      if (this.buffered < HEADER_BYTES) break;
      const head = this.peek(HEADER_BYTES);
      const length = head.readUInt32LE(0);
      const type = head.readUInt32LE(4);
      if (length < HEADER_BYTES) {
        throw new PtpCodecError('PTP_LENGTH_INVALID', `packet length ${length} is shorter than its header`);
      }
      if (!KNOWN_TYPES.has(type)) {
        throw new PtpCodecError('PTP_UNKNOWN_PACKET', `unknown PTP/IP packet type 0x${type.toString(16)}`);
      }
      const bulk = type === PacketType.Data || type === PacketType.EndData;
      const max = bulk ? this.limits.maxDataPacketBytes : this.limits.maxControlPacketBytes;
      if (length > max) {
        throw new PtpCodecError('PTP_TOO_LARGE', `packet of ${length} bytes exceeds the ${max}-byte limit`);
      }
      if (this.buffered < length) break;
      const whole = this.take(length);
      out.push(decodePacket(type, whole.subarray(HEADER_BYTES)));
    }
    return out;
  }

  private peek(n: number): Buffer {
    if ((this.chunks[0]?.length ?? 0) < n) this.chunks = [Buffer.concat(this.chunks)];
    return (this.chunks[0] ?? Buffer.alloc(0)).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] ?? Buffer.alloc(0)) : Buffer.concat(this.chunks);
    const packet = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return packet;
  }
}
