/** Errors of the HLS playlist builders (RFC 8216): a value that cannot be written into a playlist line. */
export type HlsErrorCode = 'HLS_URI_INVALID' | 'HLS_VALUE_INVALID';

export class HlsError extends Error {
  constructor(
    readonly code: HlsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HlsError';
  }
}
