/**
 * Verifies a COS-signed request (Authorization header or pre-signed query, q-sign-algorithm=sha1; see
 * signature.ts). Signs exactly the headers and parameters named in q-header-list / q-url-param-list,
 * which must include host; enforces the q-sign-time window (with clock skew), a maximum window, unknown
 * keys and temporary credentials (x-cos-security-token).
 */
import type { CredentialRecord, CredentialStore } from '../credentials.js';
import type { Clock } from '../../util/clock.js';
import { AuthError } from '../sigv4/errors.js';
import { headerValue, type HeaderMap } from '../sigv4/headers.js';
import { signaturesEqual } from '../sigv4/signing-key.js';
import type { QueryParam } from '../sigv4/encoding.js';
import { cosEncode, cosSignature } from './signature.js';

export interface CosRequest {
  method: string;
  /** Decoded object path relative to the bucket, e.g. "/videos/clip 1.mp4". */
  pathname: string;
  query: readonly QueryParam[];
  headers: HeaderMap;
}

export interface CosOptions {
  credentials: CredentialStore;
  clock: Clock;
  clockSkewSeconds: number;
  maxExpirySeconds: number;
}

export interface VerifiedCos {
  presigned: boolean;
  credential: CredentialRecord;
}

const FIELDS = [
  'q-sign-algorithm',
  'q-ak',
  'q-sign-time',
  'q-key-time',
  'q-header-list',
  'q-url-param-list',
  'q-signature',
];
const TIME = /^(\d{1,12});(\d{1,12})$/;

export function hasCosSignature(req: Pick<CosRequest, 'query' | 'headers'>): boolean {
  return (
    (headerValue(req.headers, 'authorization') ?? '').startsWith('q-sign-algorithm=') ||
    req.query.some(([name]) => name === 'q-sign-algorithm')
  );
}

function parseFields(req: CosRequest): { fields: Map<string, string>; presigned: boolean } {
  const header = headerValue(req.headers, 'authorization');
  const fields = new Map<string, string>();
  if (header !== undefined && header.startsWith('q-sign-algorithm=')) {
    for (const part of header.split('&')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
    }
    return { fields, presigned: false };
  }
  for (const [name, value] of req.query) if (FIELDS.includes(name)) fields.set(name, value);
  return { fields, presigned: true };
}

export function verifyCos(req: CosRequest, options: CosOptions): VerifiedCos {
  const { fields, presigned } = parseFields(req);
  const get = (name: string): string => {
    const value = fields.get(name);
    if (value === undefined) throw new AuthError('AccessDenied', `the COS signature lacks ${name}`);
    return value;
  };
  if (get('q-sign-algorithm') !== 'sha1')
    throw new AuthError('InvalidArgument', 'q-sign-algorithm must be sha1');
  const accessKeyId = get('q-ak');
  const signTime = get('q-sign-time');
  const keyTime = get('q-key-time');
  const signature = get('q-signature');
  const window = TIME.exec(signTime);
  if (!window || !TIME.test(keyTime))
    throw new AuthError('AccessDenied', 'q-sign-time must be "start;end" in seconds');
  const start = Number(window[1]);
  const end = Number(window[2]);
  if (end <= start || end - start > options.maxExpirySeconds) {
    throw new AuthError(
      'AuthorizationQueryParametersError',
      `the q-sign-time window must be 1-${options.maxExpirySeconds} seconds`,
    );
  }
  const now = options.clock.now().getTime() / 1000;
  if (now < start - options.clockSkewSeconds) throw new AuthError('AccessDenied', 'Request is not valid yet');
  if (now > end) throw new AuthError('AccessDenied', 'Request has expired');

  const headerList = splitList(get('q-header-list'));
  const paramList = splitList(get('q-url-param-list'));
  if (!headerList.includes('host')) throw new AuthError('AccessDenied', 'the COS signature must sign host');
  const headers = headerList.map((name) => [name, headerValue(req.headers, name) ?? ''] as const);
  const params = paramList.map((name) => {
    const found = req.query.find(([n]) => cosEncode(n).toLowerCase() === name);
    return [name, found?.[1] ?? ''] as const;
  });

  const credential = options.credentials.lookup(accessKeyId);
  if (credential === undefined) {
    throw new AuthError(
      'InvalidAccessKeyId',
      'The access key id you provided does not exist in our records.',
    );
  }
  if (credential.expiresAt !== undefined && credential.expiresAt.getTime() <= now * 1000) {
    throw new AuthError('ExpiredToken', 'The provided token has expired.');
  }
  const token =
    headerValue(req.headers, 'x-cos-security-token') ??
    req.query.find(([n]) => n === 'x-cos-security-token')?.[1];
  if (
    credential.sessionToken !== undefined &&
    (token === undefined || !signaturesEqual(credential.sessionToken, token))
  ) {
    throw new AuthError('InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
  const expected = cosSignature(credential.secretAccessKey, {
    method: req.method,
    pathname: req.pathname,
    params,
    headers,
    keyTime,
    signTime,
  });
  if (!/^[0-9a-f]{40}$/.test(signature) || !signaturesEqual(expected, signature)) {
    throw new AuthError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    );
  }
  return { presigned, credential };
}

function splitList(value: string): string[] {
  return value === '' ? [] : value.split(';').map((name) => name.toLowerCase());
}
