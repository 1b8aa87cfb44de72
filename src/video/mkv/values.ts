/**
 * EBML element values (RFC 8794 §7): unsigned/signed integers (0..8 bytes, big-endian), floats (0, 4 or
 * 8 bytes), ASCII and UTF-8 strings (possibly zero-padded), binary; and element encoding for the writer.
 * Decoders are strict: a wrong length is MKV_INVALID, a string over the limit is MKV_LIMIT.
 */
import { concatBytes as concat } from '../../util/bytes.js';
import { MkvError } from './errors.js';
import { encodeId, encodeSize } from './vint.js';

/** Unsigned integer as a bigint (TrackUID and other 64-bit identifiers). */
export function readUintBig(data: Uint8Array, what: string): bigint {
  if (data.length > 8) throw new MkvError('MKV_INVALID', `${what}: unsigned integer of ${data.length} bytes`);
  let value = 0n;
  for (const b of data) value = (value << 8n) | BigInt(b);
  return value;
}

/** Unsigned integer as a number; values above 2^53 - 1 are refused rather than rounded. */
export function readUint(data: Uint8Array, what: string): number {
  const value = readUintBig(data, what);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MkvError('MKV_INVALID', `${what}: ${value} is larger than 2^53 - 1`);
  }
  return Number(value);
}

export function readFloat(data: Uint8Array, what: string): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length === 0) return 0;
  if (data.length === 4) return view.getFloat32(0);
  if (data.length === 8) return view.getFloat64(0);
  throw new MkvError('MKV_INVALID', `${what}: float of ${data.length} bytes`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A string element: trailing zero bytes are padding (RFC 8794 §7.4); ASCII-only when `ascii`. */
export function readString(data: Uint8Array, what: string, maxBytes: number, ascii = false): string {
  if (data.length > maxBytes) {
    throw new MkvError(
      'MKV_LIMIT',
      `${what}: string of ${data.length} bytes exceeds the ${maxBytes}-byte limit`,
    );
  }
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  const bytes = data.subarray(0, end);
  if (ascii) {
    for (const b of bytes) {
      if (b < 0x20 || b > 0x7e) throw new MkvError('MKV_INVALID', `${what}: not printable ASCII`);
    }
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new MkvError('MKV_INVALID', `${what}: not valid UTF-8`);
  }
}

// ---- encoding (writer side) ----

/** One element with a known-size payload. */
export function element(id: number, payload: Uint8Array): Uint8Array {
  return concat([encodeId(id), encodeSize(payload.length), payload]);
}

/** A master element of known size from its children. */
export function master(id: number, children: readonly Uint8Array[]): Uint8Array {
  return element(id, concat(children));
}

export function uintElement(id: number, value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (v < 0n || v >= 1n << 64n)
    throw new MkvError('MKV_ARGUMENT', `${value} is not a 64-bit unsigned integer`);
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  return element(id, Uint8Array.from(bytes));
}

export function floatElement(id: number, value: number): Uint8Array {
  const payload = new Uint8Array(8);
  new DataView(payload.buffer).setFloat64(0, value);
  return element(id, payload);
}

export function stringElement(id: number, value: string): Uint8Array {
  return element(id, new TextEncoder().encode(value));
}

export { concat };
