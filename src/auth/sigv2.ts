/**
 * Recognises AWS Signature Version 2 (S3 "Signing and authenticating REST requests", the legacy scheme):
 * an `Authorization: AWS AccessKeyId:Signature` header, or a pre-signed URL with `AWSAccessKeyId`,
 * `Signature` and `Expires` in its query. Nothing here verifies it: camlink accepts SigV4 only, as S3 does
 * in every region opened after January 2014 (e.g. eu-central-1), and answers SigV2 with S3's own refusal
 * instead of treating the request as anonymous. The AWS CLI v1 (`aws s3 presign`) and boto3's
 * `generate_presigned_url` still sign pre-signed URLs with SigV2 unless configured for `s3v4`.
 */
import type { QueryParam } from './sigv4/encoding.js';
import { headerValue, type HeaderMap } from './sigv4/headers.js';

/** S3's answer (400 InvalidRequest) to a SigV2 request where only SigV4 is accepted. */
export const SIGV2_NOT_SUPPORTED =
  'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.';

const SIGV2_HEADER = /^AWS [^\s:]+:\S+$/;
const SIGV2_QUERY = ['AWSAccessKeyId', 'Signature'] as const;

export function hasSigV2(req: { query: readonly QueryParam[]; headers: HeaderMap }): boolean {
  const auth = headerValue(req.headers, 'authorization');
  if (auth !== undefined && SIGV2_HEADER.test(auth.trim())) return true;
  return SIGV2_QUERY.some((name) => req.query.some(([n]) => n === name));
}
