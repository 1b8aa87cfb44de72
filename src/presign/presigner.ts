/**
 * The presigner contract the backend uses: a URL, the method, the headers the uploader must send
 * exactly as given (they are signed), and when the URL stops working. S3 (SigV4) and COS (sha1)
 * implement it; input checks are shared so both refuse the same things with PRESIGN_INVALID.
 */
import { CamlinkError } from '../errors/camlink-error.js';

export type PresignMethod = 'GET' | 'PUT' | 'HEAD' | 'DELETE';

export interface PresignInput {
  method: PresignMethod;
  bucket: string;
  key: string;
  expiresInSeconds: number;
  /** For PUT: signed, so the uploader must send exactly this Content-Type. */
  contentType?: string;
  /** For PUT: signed, so the store refuses a body of another length. */
  contentLength?: number;
  /**
   * For PUT: base64 of the body's SHA-256 digest, signed as the x-amz-checksum-sha256 header, so the
   * store itself checks the bytes (S3 User Guide "Checking object integrity"). S3 only.
   */
  checksumSha256?: string;
}

export interface PresignedRequest {
  url: string;
  method: PresignMethod;
  /** Headers the client must send unchanged (signed ones). Host is implied by the URL. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface Presigner {
  presign(input: PresignInput): Promise<PresignedRequest>;
}

export const MAX_PRESIGN_EXPIRY_SECONDS = 604_800;

/** Largest single PUT S3 accepts (5 GiB). */
export const MAX_PUT_BYTES = 5 * 1024 * 1024 * 1024;

export function checkPresignInput(input: PresignInput, maxExpirySeconds: number): void {
  if (
    !Number.isInteger(input.expiresInSeconds) ||
    input.expiresInSeconds < 1 ||
    input.expiresInSeconds > maxExpirySeconds
  ) {
    throw new CamlinkError(
      'PRESIGN_INVALID',
      `expiresInSeconds must be an integer 1-${maxExpirySeconds} (7 days at most), not ${input.expiresInSeconds}`,
    );
  }
  const keyBytes = Buffer.byteLength(input.key, 'utf8');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (keyBytes === 0 || keyBytes > 1024 || /[\u0000-\u001f\u007f]/.test(input.key)) {
    throw new CamlinkError(
      'PRESIGN_INVALID',
      'the object key must be 1-1024 UTF-8 bytes without control characters',
    );
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(input.bucket)) {
    throw new CamlinkError('PRESIGN_INVALID', `"${input.bucket}" is not a valid bucket name`);
  }
  if (input.contentType !== undefined && (input.contentType === '' || /[\r\n]/.test(input.contentType))) {
    throw new CamlinkError('PRESIGN_INVALID', 'contentType must be a non-empty single-line value');
  }
  if (input.method !== 'PUT' && (input.contentLength !== undefined || input.checksumSha256 !== undefined)) {
    throw new CamlinkError('PRESIGN_INVALID', 'contentLength and checksumSha256 apply to PUT only');
  }
  if (
    input.contentLength !== undefined &&
    (!Number.isSafeInteger(input.contentLength) ||
      input.contentLength < 0 ||
      input.contentLength > MAX_PUT_BYTES)
  ) {
    throw new CamlinkError('PRESIGN_INVALID', `contentLength must be an integer 0-${MAX_PUT_BYTES}`);
  }
  if (input.checksumSha256 !== undefined && !/^[A-Za-z0-9+/]{43}=$/.test(input.checksumSha256)) {
    throw new CamlinkError('PRESIGN_INVALID', 'checksumSha256 must be the base64 of a 32-byte digest');
  }
}

/** The headers a PUT must carry exactly as signed (lower-case names; host is implied by the URL). */
export function signedPutHeaders(input: PresignInput): Record<string, string> {
  const headers: Record<string, string> = {};
  if (input.method !== 'PUT') return headers;
  if (input.contentType) headers['content-type'] = input.contentType;
  if (input.contentLength !== undefined) headers['content-length'] = String(input.contentLength);
  if (input.checksumSha256 !== undefined) headers['x-amz-checksum-sha256'] = input.checksumSha256;
  return headers;
}
