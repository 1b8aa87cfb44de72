/**
 * Codec errors of PTP/IP (ISO 15740 / CIPA DC-005): every malformed input ends in one of these, with a
 * stable code, so a connection can log why it closed and never crashes on hostile bytes.
 */
export type PtpCodecErrorCode =
  | 'PTP_TRUNCATED'
  | 'PTP_LENGTH_INVALID'
  | 'PTP_TOO_LARGE'
  | 'PTP_UNKNOWN_PACKET'
  | 'PTP_STRING_INVALID'
  | 'PTP_TRAILING_BYTES'
  | 'PTP_VALUE_INVALID';

export class PtpCodecError extends Error {
  constructor(
    readonly code: PtpCodecErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PtpCodecError';
  }
}
