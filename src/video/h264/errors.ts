/**
 * Errors of the H.264 helpers (ISO/IEC 14496-10 bitstreams, ISO/IEC 14496-15 avcC records): every
 * malformed input ends in one of these, with a stable code, never in a RangeError or garbage values.
 */
export type H264ErrorCode =
  'H264_TRUNCATED' | 'H264_AVCC_INVALID' | 'H264_SPS_INVALID' | 'H264_NAL_INVALID' | 'H264_VALUE_INVALID';

export class H264Error extends Error {
  constructor(
    readonly code: H264ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'H264Error';
  }
}
