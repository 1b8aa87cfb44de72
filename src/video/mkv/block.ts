/**
 * SimpleBlock and Block payloads (RFC 9559 §10): track number as a size-style VINT, a signed 16-bit
 * timecode relative to the Cluster, a flags byte, then the frame.
 *
 * Lacing (several frames in one block, flags bits 0x06) is refused as MKV_UNSUPPORTED: video producers,
 * the Kinesis Video producer SDK and ffmpeg's H.264 muxing among them, write one frame per block, and
 * refusing it keeps one block = one frame = one bounded buffer.
 */
import { MkvError } from './errors.js';
import { concat } from './values.js';
import { decodeSize, encodeSize } from './vint.js';

export interface BlockHeader {
  readonly track: number;
  readonly relativeTimecode: number;
  /** The flags byte; for a SimpleBlock, 0x80 marks a keyframe. */
  readonly flags: number;
  /** The frame. A view into the payload: copy it before the payload's buffer is reused. */
  readonly data: Uint8Array;
}

export const SIMPLEBLOCK_KEYFRAME = 0x80;
const LACING_MASK = 0x06;
/** Bytes before the frame at most: an 8-byte track VINT, the 16-bit timecode and the flags. */
export const MAX_BLOCK_HEADER_BYTES = 11;

export function parseBlock(payload: Uint8Array, what: string): BlockHeader {
  const track = decodeSize(payload, 0);
  if (track === undefined || track.value === null || track.value === 0) {
    throw new MkvError('MKV_INVALID', `${what}: missing or invalid track number`);
  }
  const at = track.length;
  if (payload.length < at + 3) throw new MkvError('MKV_INVALID', `${what}: shorter than its header`);
  const hi = payload[at] ?? 0;
  const lo = payload[at + 1] ?? 0;
  const relativeTimecode = ((hi << 24) >> 16) | lo;
  const flags = payload[at + 2] ?? 0;
  if ((flags & LACING_MASK) !== 0) {
    throw new MkvError('MKV_UNSUPPORTED', `${what}: laced blocks are not supported (one frame per block)`);
  }
  return { track: track.value, relativeTimecode, flags, data: payload.subarray(at + 3) };
}

/** A SimpleBlock payload (no lacing). */
export function encodeSimpleBlock(
  track: number,
  relativeTimecode: number,
  keyframe: boolean,
  data: Uint8Array,
): Uint8Array {
  if (!Number.isInteger(relativeTimecode) || relativeTimecode < -32768 || relativeTimecode > 32767) {
    throw new MkvError(
      'MKV_ARGUMENT',
      `relative timecode ${relativeTimecode} is not a signed 16-bit integer`,
    );
  }
  if (!Number.isInteger(track) || track < 1 || track > 126) {
    throw new MkvError('MKV_ARGUMENT', `track number ${track} is not in 1..126`);
  }
  const head = Uint8Array.of(
    (relativeTimecode >> 8) & 0xff,
    relativeTimecode & 0xff,
    keyframe ? SIMPLEBLOCK_KEYFRAME : 0,
  );
  return concat([encodeSize(track), head, data]);
}
