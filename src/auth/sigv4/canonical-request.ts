/**
 * SigV4 canonical request and string to sign (AWS General Reference "Signature Version 4 signing
 * process", tasks 1 and 2). `s3: true` selects S3's path rule (encode once, no normalization).
 */
import { createHash } from 'node:crypto';
import { canonicalQueryString, canonicalUriGeneric, canonicalUriS3, type QueryParam } from './encoding.js';
import { canonicalHeaders, type HeaderMap } from './headers.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface CanonicalRequestInput {
  method: string;
  /** The path as received on the wire (percent-encoded), without the query. */
  rawPath: string;
  query: readonly QueryParam[];
  headers: HeaderMap;
  /** Lowercase, sorted, as listed in SignedHeaders. */
  signedHeaders: readonly string[];
  /** The payload line: a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* value. */
  payloadHash: string;
  s3: boolean;
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  return [
    input.method.toUpperCase(),
    input.s3 ? canonicalUriS3(input.rawPath) : canonicalUriGeneric(input.rawPath),
    canonicalQueryString(input.query, ['X-Amz-Signature']),
    canonicalHeaders(input.headers, input.signedHeaders),
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** "yyyymmdd/region/service/aws4_request" */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/aws4_request`;
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}
