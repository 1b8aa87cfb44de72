/** The events the streaming Matroska reader (RFC 9559) emits, in stream order. */

export interface MkvTrack {
  /** TrackNumber, as SimpleBlocks refer to it (>= 1). */
  readonly number: number;
  /** TrackUID: 64 bits, so a bigint (ffmpeg writes random ones); 0n when absent. */
  readonly uid: bigint;
  /** TrackType: 1 video, 2 audio, ... (see TrackType in ids.ts). */
  readonly type: number;
  /** CodecID, e.g. "V_MPEG4/ISO/AVC". */
  readonly codecId: string;
  /** CodecPrivate (for AVC, the avcC record); empty when absent. */
  readonly codecPrivate: Uint8Array;
  readonly name?: string;
  readonly width?: number;
  readonly height?: number;
}

/** A SimpleTag, flattened: nested SimpleTags follow their parent in document order. */
export interface MkvTag {
  readonly name: string;
  /** TagString, or TagBinary bytes; undefined when the tag has neither. */
  readonly value: string | Uint8Array | undefined;
}

export type MkvEvent =
  | { readonly type: 'ebmlHeader'; readonly docType: string; readonly docTypeVersion: number }
  /** size: the Segment's payload size, null when unknown (the live case). */
  | { readonly type: 'segmentStart'; readonly size: number | null }
  | {
      readonly type: 'info';
      /** Nanoseconds per timecode unit (1_000_000 = milliseconds, the default). */
      readonly timecodeScale: number;
      readonly muxingApp?: string;
      readonly writingApp?: string;
      readonly duration?: number;
    }
  | { readonly type: 'tracks'; readonly tracks: readonly MkvTrack[] }
  | { readonly type: 'clusterStart'; readonly timecode: number }
  | {
      readonly type: 'frame';
      readonly track: number;
      /** Absolute, in TimecodeScale units: the Cluster Timecode plus the block's signed 16-bit offset. */
      readonly timecode: number;
      readonly keyframe: boolean;
      /** A copy: the event owns these bytes. */
      readonly data: Uint8Array;
    }
  | { readonly type: 'clusterEnd' }
  | { readonly type: 'tags'; readonly tags: readonly MkvTag[] }
  | { readonly type: 'segmentEnd' };
