/**
 * The input model of the MP4 writers: one H.264 video track and its samples, as a Matroska/KVS fragment
 * stores them (ISO/IEC 14496-15 avcC as CodecPrivate, length-prefixed NAL units as SimpleBlocks).
 *
 * Time: `dts` and `duration` count ticks of `track.timescale` per second. Matroska with the default
 * TimecodeScale (1 ms) gives timescale 1000; RTP-style sources use 90000. The writers put that
 * timescale in mdhd as is, so no rounding happens. There are no B-frames: pts = dts.
 */
import { H264Error } from '../h264/errors.js';
import { parseAvcc, type AvcConfig } from '../h264/avcc.js';
import { parseSps } from '../h264/sps.js';
import { Mp4Error } from './errors.js';

export interface VideoTrack {
  /** AVCDecoderConfigurationRecord, as stored in Matroska CodecPrivate. */
  readonly codecPrivate: Uint8Array;
  /** Display size; read from the first SPS when absent. */
  readonly width?: number;
  readonly height?: number;
  /** Ticks per second of every dts and duration. */
  readonly timescale: number;
  /** Track ID in the file; 1 when absent. */
  readonly trackId?: number;
}

export interface VideoSample {
  /** Length-prefixed NAL units, prefix size as the avcC's lengthSizeMinusOne + 1. */
  readonly data: Uint8Array;
  /** Decode (= presentation) time, in track timescale ticks. */
  readonly dts: number;
  /** Duration in track timescale ticks. */
  readonly duration: number;
  /** True for a sync sample (an IDR access unit). */
  readonly keyframe: boolean;
}

/** A track with its avcC parsed and its size known. */
export interface ResolvedTrack {
  readonly config: AvcConfig;
  readonly codecPrivate: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly timescale: number;
  readonly trackId: number;
}

function positiveInt(v: number | undefined, max: number, what: string): number {
  if (v === undefined || !Number.isSafeInteger(v) || v <= 0 || v > max) {
    throw new Mp4Error('MP4_VALUE_INVALID', `${what} ${String(v)} is not an integer in 1..${max}`);
  }
  return v;
}

/** Parses the codec private and checks the fields the boxes will carry; a resolved track passes through. */
export function resolveTrack(track: VideoTrack | ResolvedTrack): ResolvedTrack {
  if ('config' in track) return track;
  let config: AvcConfig;
  let width = track.width;
  let height = track.height;
  try {
    config = parseAvcc(track.codecPrivate);
    const sps = config.sps[0];
    if (sps === undefined) throw new Mp4Error('MP4_CODEC_PRIVATE_INVALID', 'the avcC has no SPS');
    if (width === undefined || height === undefined) {
      const parsed = parseSps(sps);
      width ??= parsed.width;
      height ??= parsed.height;
    }
  } catch (err) {
    if (err instanceof H264Error)
      throw new Mp4Error('MP4_CODEC_PRIVATE_INVALID', `codec private: ${err.message}`);
    throw err;
  }
  return {
    config,
    codecPrivate: track.codecPrivate,
    width: positiveInt(width, 0xffff, 'width'),
    height: positiveInt(height, 0xffff, 'height'),
    timescale: positiveInt(track.timescale, 0xffffffff, 'timescale'),
    trackId: positiveInt(track.trackId ?? 1, 0xffffffff, 'track ID'),
  };
}
