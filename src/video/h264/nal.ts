/**
 * NAL units (ISO/IEC 14496-10 §7.3.1, Table 7-1) and their length-prefixed "AVCC" framing
 * (ISO/IEC 14496-15 §5.3.2, as in MP4 samples and Matroska SimpleBlocks of V_MPEG4/ISO/AVC).
 */
import { H264Error } from './errors.js';

/** nal_unit_type values this code names (Table 7-1). */
export const NalType = {
  SLICE: 1,
  SLICE_DPA: 2,
  IDR: 5,
  SEI: 6,
  SPS: 7,
  PPS: 8,
  AUD: 9,
  END_OF_SEQUENCE: 10,
  END_OF_STREAM: 11,
  FILLER: 12,
} as const;

export type LengthSize = 1 | 2 | 4;

/** nal_unit_type of a NAL unit (its header byte included). */
export function nalType(nal: Uint8Array): number {
  const header = nal[0];
  if (header === undefined) throw new H264Error('H264_NAL_INVALID', 'empty NAL unit');
  return header & 0x1f;
}

/** True for a slice of an IDR picture: a sample that decodes on its own. */
export function isIdr(nal: Uint8Array): boolean {
  return nalType(nal) === NalType.IDR;
}

/** True when a NAL unit carries a coded slice (types 1 to 5). */
export function isSlice(nal: Uint8Array): boolean {
  const type = nalType(nal);
  return type >= NalType.SLICE && type <= NalType.IDR;
}

/** Splits length-prefixed NAL units; a length that runs past the end, or a zero length, is refused. */
export function splitLengthPrefixed(data: Uint8Array, lengthSize: LengthSize = 4): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + lengthSize > data.length) {
      throw new H264Error(
        'H264_TRUNCATED',
        `NAL length at ${at}: ${data.length - at} of ${lengthSize} bytes`,
      );
    }
    let length = 0;
    for (let i = 0; i < lengthSize; i++) length = length * 256 + (data[at + i] ?? 0);
    at += lengthSize;
    if (length === 0) throw new H264Error('H264_NAL_INVALID', `zero-length NAL unit at ${at - lengthSize}`);
    if (length > data.length - at) {
      throw new H264Error('H264_TRUNCATED', `NAL unit at ${at}: ${length} bytes, ${data.length - at} left`);
    }
    out.push(data.subarray(at, at + length));
    at += length;
  }
  return out;
}

/** Frames NAL units with a big-endian length prefix of lengthSize bytes. */
export function toLengthPrefixed(nals: readonly Uint8Array[], lengthSize: LengthSize = 4): Uint8Array {
  const max = 2 ** (8 * lengthSize) - 1;
  let total = 0;
  for (const nal of nals) {
    if (nal.length === 0) throw new H264Error('H264_NAL_INVALID', 'empty NAL unit');
    if (nal.length > max) {
      throw new H264Error(
        'H264_VALUE_INVALID',
        `NAL unit of ${nal.length} bytes needs more than ${lengthSize}`,
      );
    }
    total += lengthSize + nal.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const nal of nals) {
    let length = nal.length;
    for (let i = lengthSize - 1; i >= 0; i--) {
      out[at + i] = length & 0xff;
      length = Math.floor(length / 256);
    }
    out.set(nal, at + lengthSize);
    at += lengthSize + nal.length;
  }
  return out;
}
