/**
 * Writes Matroska (RFC 9559) the way the Kinesis Video Streams producer SDK does for PutMedia: an EBML
 * header (DocType "matroska"), a Segment of unknown size, Info (TimecodeScale 1 ms), Tracks with one
 * H.264 video track, then Clusters of unknown size, each a Timecode and one SimpleBlock per frame. The
 * header and each Cluster are separate byte arrays so a live producer can send them as frames arrive.
 */
import { encodeSimpleBlock } from './block.js';
import { MkvError } from './errors.js';
import { Id, TrackType } from './ids.js';
import { concat, element, master, stringElement, uintElement } from './values.js';
import { encodeId, UNKNOWN_SIZE } from './vint.js';

export const WRITING_APP = 'camlink';
export const TIMECODE_SCALE_NS = 1_000_000;
export const VIDEO_TRACK_NUMBER = 1;

export interface MkvVideoTrackSpec {
  /** The avcC record (AVCDecoderConfigurationRecord) for V_MPEG4/ISO/AVC. */
  readonly codecPrivate: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Default "V_MPEG4/ISO/AVC". */
  readonly codecId?: string;
  /** Default 1n. */
  readonly uid?: bigint;
  readonly name?: string;
  /** 16 bytes; omitted when absent. */
  readonly segmentUid?: Uint8Array;
}

export interface MkvFrameSpec {
  readonly data: Uint8Array;
  /** Milliseconds after the Cluster's timecode: a signed 16-bit integer. */
  readonly relativeTimecode: number;
  readonly keyframe: boolean;
}

/** The EBML header, the start of an unknown-size Segment, Info and Tracks. */
export function mkvHeader(track: MkvVideoTrackSpec): Uint8Array {
  positive(track.width, 'width');
  positive(track.height, 'height');
  if (track.segmentUid !== undefined && track.segmentUid.length !== 16) {
    throw new MkvError('MKV_ARGUMENT', 'segmentUid must be 16 bytes');
  }
  const ebml = master(Id.EBML, [
    uintElement(Id.EBMLVersion, 1),
    uintElement(Id.EBMLReadVersion, 1),
    uintElement(Id.EBMLMaxIDLength, 4),
    uintElement(Id.EBMLMaxSizeLength, 8),
    stringElement(Id.DocType, 'matroska'),
    uintElement(Id.DocTypeVersion, 2),
    uintElement(Id.DocTypeReadVersion, 2),
  ]);
  const info = master(Id.Info, [
    ...(track.segmentUid === undefined ? [] : [element(Id.SegmentUID, track.segmentUid)]),
    uintElement(Id.TimecodeScale, TIMECODE_SCALE_NS),
    stringElement(Id.MuxingApp, WRITING_APP),
    stringElement(Id.WritingApp, WRITING_APP),
  ]);
  const entry = master(Id.TrackEntry, [
    uintElement(Id.TrackNumber, VIDEO_TRACK_NUMBER),
    uintElement(Id.TrackUID, track.uid ?? 1n),
    uintElement(Id.TrackType, TrackType.video),
    ...(track.name === undefined ? [] : [stringElement(Id.Name, track.name)]),
    stringElement(Id.CodecID, track.codecId ?? 'V_MPEG4/ISO/AVC'),
    element(Id.CodecPrivate, track.codecPrivate),
    master(Id.Video, [uintElement(Id.PixelWidth, track.width), uintElement(Id.PixelHeight, track.height)]),
  ]);
  return concat([ebml, encodeId(Id.Segment), UNKNOWN_SIZE, info, master(Id.Tracks, [entry])]);
}

/** A Cluster of unknown size at `timecodeMs` (absolute, in TimecodeScale units) holding `frames`. */
export function mkvCluster(timecodeMs: number, frames: readonly MkvFrameSpec[]): Uint8Array {
  if (!Number.isSafeInteger(timecodeMs) || timecodeMs < 0) {
    throw new MkvError('MKV_ARGUMENT', `cluster timecode ${timecodeMs} is not a non-negative integer`);
  }
  const parts = [encodeId(Id.Cluster), UNKNOWN_SIZE, uintElement(Id.Timecode, timecodeMs)];
  for (const f of frames) {
    parts.push(
      element(Id.SimpleBlock, encodeSimpleBlock(VIDEO_TRACK_NUMBER, f.relativeTimecode, f.keyframe, f.data)),
    );
  }
  return concat(parts);
}

function positive(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new MkvError('MKV_ARGUMENT', `${what} ${n} is not a positive integer`);
}
