/**
 * Element IDs (marker bits included, as written on the wire) of the EBML header (RFC 8794 §11) and of
 * the Matroska elements (RFC 9559 §5) that a Kinesis Video Streams PutMedia stream uses or may carry.
 */
export const Id = {
  // EBML header (RFC 8794)
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  // Global elements, allowed anywhere
  Void: 0xec,
  CRC32: 0xbf,
  // Segment and its top-level children
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Seek: 0x4dbb,
  SeekID: 0x53ab,
  SeekPosition: 0x53ac,
  Info: 0x1549a966,
  Tracks: 0x1654ae6b,
  Cluster: 0x1f43b675,
  Cues: 0x1c53bb6b,
  Tags: 0x1254c367,
  Chapters: 0x1043a770,
  Attachments: 0x1941a469,
  // Info
  SegmentUID: 0x73a4,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  DateUTC: 0x4461,
  Title: 0x7ba9,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  // Tracks
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  DefaultDuration: 0x23e383,
  Name: 0x536e,
  Language: 0x22b59c,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  CodecName: 0x258688,
  ContentEncodings: 0x6d80,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  DisplayWidth: 0x54b0,
  DisplayHeight: 0x54ba,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  // Cluster
  Timecode: 0xe7,
  SilentTracks: 0x5854,
  Position: 0xa7,
  PrevSize: 0xab,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  EncryptedBlock: 0xaf,
  // BlockGroup
  Block: 0xa1,
  BlockAdditions: 0x75a1,
  BlockDuration: 0x9b,
  ReferencePriority: 0xfa,
  ReferenceBlock: 0xfb,
  CodecState: 0xa4,
  DiscardPadding: 0x75a2,
  // Cues
  CuePoint: 0xbb,
  CueTime: 0xb3,
  CueTrackPositions: 0xb7,
  // Tags
  Tag: 0x7373,
  Targets: 0x63c0,
  SimpleTag: 0x67c8,
  TagName: 0x45a3,
  TagLanguage: 0x447a,
  TagDefault: 0x4484,
  TagString: 0x4487,
  TagBinary: 0x4485,
} as const;

/** Matroska TrackType values (RFC 9559 §5.1.4.1.3). */
export const TrackType = {
  video: 1,
  audio: 2,
  complex: 3,
  logo: 0x10,
  subtitle: 0x11,
  buttons: 0x12,
  control: 0x20,
  metadata: 0x21,
} as const;

/** Children of Segment (level 1): within an unknown-size Cluster, any of these ends the Cluster. */
export const SEGMENT_CHILDREN: ReadonlySet<number> = new Set([
  Id.SeekHead,
  Id.Info,
  Id.Tracks,
  Id.Cluster,
  Id.Cues,
  Id.Tags,
  Id.Chapters,
  Id.Attachments,
]);

/** Root elements: within any unknown-size element, one of these ends it. */
export const ROOT_ELEMENTS: ReadonlySet<number> = new Set([Id.EBML, Id.Segment]);
