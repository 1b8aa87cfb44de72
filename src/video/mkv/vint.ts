/**
 * EBML variable-size integers (RFC 8794 §4): a run of leading zero bits, a marker bit, then data bits;
 * the position of the marker gives the length (1..8 bytes).
 *
 * - Element IDs keep the marker (0x1A45DFA3 is the EBML ID as written); Matroska caps them at 4 bytes
 *   (EBMLMaxIDLength), and an ID whose data bits are all zeros or all ones is reserved.
 * - Data sizes drop the marker; all data bits set means "unknown size" (RFC 8794 §6.2), returned as null.
 *   Sizes above 2^53 - 1 cannot be represented exactly as a number and are refused as MKV_LIMIT.
 */
import { MkvError } from './errors.js';

export const MAX_ID_BYTES = 4;
export const MAX_SIZE_BYTES = 8;

/** The length of a VINT from its first byte, or 0 for 0x00 (which would need more than 8 bytes). */
export function vintLength(first: number): number {
  for (let len = 1; len <= 8; len++) {
    if (first & (0x100 >> len)) return len;
  }
  return 0;
}

export interface Decoded<T> {
  readonly value: T;
  /** Bytes the VINT occupied. */
  readonly length: number;
}

/** Decodes an element ID at offset; undefined if more bytes are needed. */
export function decodeId(buf: Uint8Array, offset = 0): Decoded<number> | undefined {
  const first = buf[offset];
  if (first === undefined) return undefined;
  const len = vintLength(first);
  if (len === 0 || len > MAX_ID_BYTES) {
    throw new MkvError(
      'MKV_INVALID',
      `element ID starting with 0x${hex(first)} is longer than ${MAX_ID_BYTES} bytes`,
    );
  }
  if (buf.length - offset < len) return undefined;
  const mask = (0x100 >> len) - 1;
  let id = first;
  let allOnes = (first & mask) === mask;
  let allZeros = (first & mask) === 0;
  for (let i = 1; i < len; i++) {
    const b = buf[offset + i] ?? 0;
    id = id * 256 + b;
    allOnes &&= b === 0xff;
    allZeros &&= b === 0;
  }
  if (allOnes || allZeros) {
    throw new MkvError(
      'MKV_INVALID',
      `element ID 0x${hex(id)} is reserved (all data bits ${allOnes ? 'one' : 'zero'})`,
    );
  }
  return { value: id, length: len };
}

/** Decodes a data size at offset (null = unknown size); undefined if more bytes are needed. */
export function decodeSize(buf: Uint8Array, offset = 0): Decoded<number | null> | undefined {
  const first = buf[offset];
  if (first === undefined) return undefined;
  const len = vintLength(first);
  if (len === 0) {
    throw new MkvError('MKV_INVALID', `data size starting with 0x00 is longer than ${MAX_SIZE_BYTES} bytes`);
  }
  if (buf.length - offset < len) return undefined;
  const mask = (0x100 >> len) - 1;
  let value = BigInt(first & mask);
  let allOnes = (first & mask) === mask;
  for (let i = 1; i < len; i++) {
    const b = buf[offset + i] ?? 0;
    value = (value << 8n) | BigInt(b);
    allOnes &&= b === 0xff;
  }
  if (allOnes) return { value: null, length: len };
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MkvError('MKV_LIMIT', `data size ${value} is larger than 2^53 - 1`);
  }
  return { value: Number(value), length: len };
}

/** Encodes an element ID (the number already includes its marker bits, e.g. 0x1A45DFA3). */
export function encodeId(id: number): Uint8Array {
  if (!Number.isInteger(id) || id < 0x81 || id > 0xfffffffe) {
    throw new MkvError('MKV_ARGUMENT', `0x${hex(id)} is not an element ID`);
  }
  const bytes = id > 0xffffff ? 4 : id > 0xffff ? 3 : id > 0xff ? 2 : 1;
  const out = new Uint8Array(bytes);
  let rest = id;
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  let length: number | undefined;
  try {
    length = decodeId(out)?.length;
  } catch {
    length = undefined;
  }
  if (length !== bytes) throw new MkvError('MKV_ARGUMENT', `0x${hex(id)} is not an element ID`);
  return out;
}

/** The all-ones 8-byte size the Kinesis Video producer SDK writes for Segment and Cluster. */
export const UNKNOWN_SIZE: Uint8Array = Uint8Array.of(0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/**
 * Encodes a data size in the fewest bytes (or exactly `width` bytes); null encodes unknown size as
 * UNKNOWN_SIZE. A value whose data bits would all be ones at some width moves to the next width,
 * since all-ones means unknown.
 */
export function encodeSize(size: number | null, width?: number): Uint8Array {
  if (size === null) return UNKNOWN_SIZE.slice();
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new MkvError('MKV_ARGUMENT', `${size} is not a valid data size`);
  }
  const value = BigInt(size);
  let len = 1;
  while (len < 8 && value >= (1n << BigInt(7 * len)) - 1n) len++;
  if (width !== undefined) {
    if (!Number.isInteger(width) || width < len || width > 8) {
      throw new MkvError('MKV_ARGUMENT', `size ${size} does not fit in a ${width}-byte VINT`);
    }
    len = width;
  }
  const out = new Uint8Array(len);
  let rest = value;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  out[0] = (out[0] ?? 0) | (0x100 >> len);
  return out;
}

function hex(n: number): string {
  return n.toString(16).toUpperCase();
}
