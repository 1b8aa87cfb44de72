/**
 * Codec errors of the Matroska/EBML layer (RFC 8794 EBML, RFC 9559 Matroska) as used by Kinesis Video
 * Streams PutMedia: every malformed, oversized or unsupported input ends in an MkvError with a stable
 * code, so an ingest can close the stream with a reason and never crashes on hostile bytes.
 */
export type MkvErrorCode =
  /** The bytes are not a valid Matroska stream (bad VINT, element overruns its parent, wrong order...). */
  | 'MKV_INVALID'
  /** A configured bound was exceeded (element, frame or string size, tracks, nesting depth). */
  | 'MKV_LIMIT'
  /** Valid Matroska that this codec does not accept (lacing, a DocType other than matroska/webm...). */
  | 'MKV_UNSUPPORTED'
  /** The stream ended in the middle of an element, or before its Segment. */
  | 'MKV_TRUNCATED'
  /** push() or end() after the parser failed or ended. */
  | 'MKV_CLOSED'
  /** The writer was given values it cannot encode (a caller bug, not a stream problem). */
  | 'MKV_ARGUMENT';

export class MkvError extends Error {
  constructor(
    readonly code: MkvErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MkvError';
  }
}
