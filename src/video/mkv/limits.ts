/**
 * Bounds of the Matroska reader. A PutMedia stream comes from the network, so every buffer the reader
 * keeps is capped before its bytes arrive: it holds at most one element header plus one element
 * (a frame, or a header-level element such as Tracks) and skips everything else without buffering.
 */
export interface MkvLimits {
  /** Largest buffered non-frame element: the EBML header, Info, Tracks, Tags, a Cluster Timecode. */
  readonly maxElementBytes: number;
  /** Largest frame (SimpleBlock or Block payload); a BlockGroup as a whole counts against it too. */
  readonly maxFrameBytes: number;
  /** Deepest element nesting (the Segment is level 0, a Cluster level 1, a nested SimpleTag deeper). */
  readonly maxDepth: number;
  /** Most TrackEntry elements (Kinesis Video allows at most 3 tracks). */
  readonly maxTracks: number;
  /** Longest string (DocType, CodecID, names, tag values). */
  readonly maxStringBytes: number;
}

export const DEFAULT_MKV_LIMITS: MkvLimits = {
  maxElementBytes: 1024 * 1024,
  maxFrameBytes: 16 * 1024 * 1024,
  maxDepth: 8,
  maxTracks: 3,
  maxStringBytes: 4096,
};
