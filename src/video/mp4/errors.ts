/**
 * Errors of the ISO/IEC 14496-12 (ISOBMFF) writer: a value that does not fit its box field, samples
 * that cannot form a fragment, a codec private that is not an avcC. Stable codes, never garbage output.
 */
export type Mp4ErrorCode =
  'MP4_VALUE_INVALID' | 'MP4_SAMPLES_INVALID' | 'MP4_CODEC_PRIVATE_INVALID' | 'MP4_TRUNCATED';

export class Mp4Error extends Error {
  constructor(
    readonly code: Mp4ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'Mp4Error';
  }
}
