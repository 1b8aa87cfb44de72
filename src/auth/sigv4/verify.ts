/**
 * Verifies a SigV4-signed request, header or pre-signed (AWS General Reference "Signature Version 4";
 * S3 API Reference "sig-v4-header-based-auth" and "sigv4-query-string-auth"). Generic over service and
 * region; the caller chooses S3 path rules with `s3`. Checks made, as AWS makes them: algorithm,
 * credential scope (date, region, service), clock skew (RequestTimeTooSkewed), pre-signed expiry
 * (1..max seconds, "Request has expired"), unknown keys, temporary credentials (token and expiry),
 * x-amz-* headers that are present but unsigned, and finally the signature itself.
 */
import type { CredentialRecord, CredentialStore } from '../credentials.js';
import type { Clock } from '../../util/clock.js';
import { canonicalRequest, credentialScope, sha256Hex, stringToSign } from './canonical-request.js';
import type { QueryParam } from './encoding.js';
import { AuthError } from './errors.js';
import { headerValue, type HeaderMap } from './headers.js';
import {
  AMZ_DATE,
  amzDateToMs,
  isPresignedQuery,
  parseAuthorizationHeader,
  parsePresignedQuery,
  type Credential,
  type ParsedAuth,
} from './parse.js';
import { signaturesEqual, signString, signingKey } from './signing-key.js';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_PAYLOADS = [
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
] as const;
export type StreamingPayload = (typeof STREAMING_PAYLOADS)[number];

export interface SigV4Request {
  method: string;
  /** Wire path, percent-encoded, without the query. */
  rawPath: string;
  query: readonly QueryParam[];
  headers: HeaderMap;
  /** Hex SHA-256 of a buffered body, for services that sign it without x-amz-content-sha256. */
  bodySha256?: string;
}

export interface SigV4Options {
  service: string;
  region: string;
  /** S3 rules: path encoded once, x-amz-content-sha256 required, UNSIGNED-PAYLOAD when pre-signed. */
  s3: boolean;
  credentials: CredentialStore;
  clock: Clock;
  clockSkewSeconds: number;
  maxExpirySeconds: number;
}

export interface VerifiedSigV4 {
  presigned: boolean;
  credential: CredentialRecord;
  scope: string;
  amzDate: string;
  signingKey: Buffer;
  /** The request's signature: the seed of an aws-chunked signature chain. */
  signature: string;
  /** The payload line that was signed (hex hash, UNSIGNED-PAYLOAD or STREAMING-*). */
  payloadHash: string;
  signedHeaders: readonly string[];
}

export function hasSigV4(req: SigV4Request): boolean {
  const auth = headerValue(req.headers, 'authorization');
  return (auth !== undefined && auth.startsWith('AWS4-HMAC-SHA256')) || isPresignedQuery(req.query);
}

export function verifySigV4(req: SigV4Request, options: SigV4Options): VerifiedSigV4 {
  const auth = headerValue(req.headers, 'authorization');
  const presigned = isPresignedQuery(req.query);
  if (auth !== undefined && presigned) {
    throw new AuthError(
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified',
    );
  }
  return presigned ? verifyQuery(req, options) : verifyHeader(req, auth, options);
}

function verifyHeader(req: SigV4Request, auth: string | undefined, options: SigV4Options): VerifiedSigV4 {
  if (auth === undefined) throw new AuthError('AccessDenied', 'Anonymous access is not allowed');
  const parsed = parseAuthorizationHeader(auth);
  const amzDate = requestAmzDate(req.headers);
  const malformed = (message: string) => new AuthError('AuthorizationHeaderMalformed', message);
  checkScope(parsed.credential, amzDate, options, malformed);
  const dateMs = amzDateToMs(amzDate) ?? NaN;
  const nowMs = options.clock.now().getTime();
  if (Math.abs(nowMs - dateMs) > options.clockSkewSeconds * 1000) {
    throw new AuthError(
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
    );
  }
  const credential = lookup(parsed.credential.accessKeyId, options, nowMs);
  checkToken(credential, headerValue(req.headers, 'x-amz-security-token'));
  checkUnsignedAmzHeaders(req.headers, parsed.signedHeaders);
  let payloadHash: string;
  const contentSha = headerValue(req.headers, 'x-amz-content-sha256');
  if (options.s3) {
    if (contentSha === undefined) {
      throw new AuthError('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    }
    if (!isValidPayloadHash(contentSha)) {
      throw new AuthError(
        'InvalidArgument',
        'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
      );
    }
    payloadHash = contentSha;
  } else {
    // Non-S3 services sign the body hash itself: a claimed x-amz-content-sha256 must be the body's,
    // or a body changed after signing would pass with the original header.
    if (contentSha !== undefined && req.bodySha256 !== undefined && contentSha !== req.bodySha256) {
      throw new AuthError(
        'SignatureDoesNotMatch',
        'The provided x-amz-content-sha256 does not match the request body.',
      );
    }
    payloadHash = req.bodySha256 ?? contentSha ?? sha256Hex('');
  }
  return finish(req, options, parsed, credential, amzDate, payloadHash, false);
}

function verifyQuery(req: SigV4Request, options: SigV4Options): VerifiedSigV4 {
  const parsed = parsePresignedQuery(req.query, options.maxExpirySeconds);
  const bad = (message: string) => new AuthError('AuthorizationQueryParametersError', message);
  checkScope(parsed.credential, parsed.amzDate, options, bad);
  const dateMs = amzDateToMs(parsed.amzDate) ?? NaN;
  const nowMs = options.clock.now().getTime();
  if (dateMs - nowMs > options.clockSkewSeconds * 1000) {
    throw new AuthError('AccessDenied', 'Request is not valid yet');
  }
  if (nowMs > dateMs + parsed.expiresSeconds * 1000) {
    throw new AuthError('AccessDenied', 'Request has expired');
  }
  const credential = lookup(parsed.credential.accessKeyId, options, nowMs);
  checkToken(credential, parsed.securityToken ?? headerValue(req.headers, 'x-amz-security-token'));
  checkUnsignedAmzHeaders(req.headers, parsed.signedHeaders);
  const querySha = req.query.find(([n]) => n === 'X-Amz-Content-Sha256')?.[1];
  const payloadHash = options.s3
    ? (querySha ?? UNSIGNED_PAYLOAD)
    : (querySha ?? req.bodySha256 ?? sha256Hex(''));
  return finish(req, options, parsed, credential, parsed.amzDate, payloadHash, true);
}

function finish(
  req: SigV4Request,
  options: SigV4Options,
  parsed: ParsedAuth,
  credential: CredentialRecord,
  amzDate: string,
  payloadHash: string,
  presigned: boolean,
): VerifiedSigV4 {
  const { date, region, service } = parsed.credential;
  const scope = credentialScope(date, region, service);
  const canonical = canonicalRequest({
    method: req.method,
    rawPath: req.rawPath,
    query: req.query,
    headers: req.headers,
    signedHeaders: parsed.signedHeaders,
    payloadHash,
    s3: options.s3,
  });
  const key = signingKey(credential.secretAccessKey, date, region, service);
  const expected = signString(key, stringToSign(amzDate, scope, canonical));
  if (!signaturesEqual(expected, parsed.signature)) {
    throw new AuthError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
  return {
    presigned,
    credential,
    scope,
    amzDate,
    signingKey: key,
    signature: parsed.signature,
    payloadHash,
    signedHeaders: parsed.signedHeaders,
  };
}

function requestAmzDate(headers: HeaderMap): string {
  const amz = headerValue(headers, 'x-amz-date');
  if (amz !== undefined) {
    if (!AMZ_DATE.test(amz)) throw new AuthError('AccessDenied', 'X-Amz-Date must be yyyyMMddTHHmmssZ');
    return amz;
  }
  const date = headerValue(headers, 'date');
  const ms = date === undefined ? NaN : Date.parse(date);
  if (Number.isNaN(ms)) {
    throw new AuthError('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function checkScope(
  credential: Credential,
  amzDate: string,
  options: SigV4Options,
  fail: (message: string) => AuthError,
): void {
  if (credential.date !== amzDate.slice(0, 8)) {
    throw fail('Invalid credential date. Date is not the same as X-Amz-Date.');
  }
  if (credential.region !== options.region) {
    throw fail(`the region '${credential.region}' is wrong; expecting '${options.region}'`);
  }
  if (credential.service !== options.service) {
    throw fail(`the service '${credential.service}' is wrong; expecting '${options.service}'`);
  }
}

function lookup(accessKeyId: string, options: SigV4Options, nowMs: number): CredentialRecord {
  const credential = options.credentials.lookup(accessKeyId);
  if (credential === undefined) {
    throw new AuthError(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  }
  if (credential.expiresAt !== undefined && credential.expiresAt.getTime() <= nowMs) {
    throw new AuthError('ExpiredToken', 'The provided token has expired.');
  }
  return credential;
}

function checkToken(credential: CredentialRecord, token: string | undefined): void {
  if (credential.sessionToken === undefined) {
    if (token !== undefined)
      throw new AuthError('InvalidToken', 'The provided token is malformed or otherwise invalid.');
    return;
  }
  if (token === undefined) {
    throw new AuthError('InvalidAccessKeyId', 'Temporary credentials require the X-Amz-Security-Token.');
  }
  if (!signaturesEqual(credential.sessionToken, token)) {
    throw new AuthError('InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
}

/** Every x-amz-* header that is present must be signed (the checksum and token headers included). */
function checkUnsignedAmzHeaders(headers: HeaderMap, signedHeaders: readonly string[]): void {
  for (const name of headers.keys()) {
    if (name.startsWith('x-amz-') && !signedHeaders.includes(name)) {
      throw new AuthError(
        'AccessDenied',
        `There were headers present in the request which were not signed: ${name}`,
      );
    }
  }
}

function isValidPayloadHash(value: string): boolean {
  return (
    value === UNSIGNED_PAYLOAD ||
    (STREAMING_PAYLOADS as readonly string[]).includes(value) ||
    /^[0-9a-f]{64}$/.test(value)
  );
}
