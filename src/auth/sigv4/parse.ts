/**
 * Parsing of the two SigV4 carriers: the Authorization header ("AWS4-HMAC-SHA256 Credential=AKID/
 * 20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex") and the query
 * parameters of a pre-signed URL (S3 API Reference "sigv4-query-string-auth").
 */
import { AuthError } from './errors.js';
import { ALGORITHM } from './canonical-request.js';
import type { QueryParam } from './encoding.js';

export interface Credential {
  accessKeyId: string;
  /** yyyymmdd */
  date: string;
  region: string;
  service: string;
}

export interface ParsedAuth {
  credential: Credential;
  signedHeaders: string[];
  signature: string;
}

export interface ParsedQueryAuth extends ParsedAuth {
  amzDate: string;
  expiresSeconds: number;
  securityToken: string | undefined;
}

const SIGNATURE = /^[0-9a-f]{64}$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+\-.^_`|~]+$/;
export const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function parseCredential(value: string, malformed: (message: string) => AuthError): Credential {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') {
    throw malformed(`the Credential "${value}" is not AKID/yyyymmdd/region/service/aws4_request`);
  }
  const [accessKeyId = '', date = '', region = '', service = ''] = parts;
  if (accessKeyId === '' || !/^\d{8}$/.test(date) || region === '' || service === '') {
    throw malformed(`the Credential "${value}" is not AKID/yyyymmdd/region/service/aws4_request`);
  }
  return { accessKeyId, date, region, service };
}

function parseSignedHeaders(value: string, malformed: (message: string) => AuthError): string[] {
  const names = value.split(';');
  if (names.length === 0 || !names.every((n) => HEADER_NAME.test(n))) {
    throw malformed('SignedHeaders must be lowercase header names separated by ";"');
  }
  const sorted = [...names].sort();
  if (sorted.some((n, i) => n !== names[i] || (i > 0 && n === sorted[i - 1]))) {
    throw malformed('SignedHeaders must be sorted and without duplicates');
  }
  if (!names.includes('host')) throw malformed('SignedHeaders must include host');
  return names;
}

export function parseAuthorizationHeader(value: string): ParsedAuth {
  const malformed = (message: string) => new AuthError('AuthorizationHeaderMalformed', message);
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw new AuthError('InvalidArgument', `unsupported Authorization algorithm "${algorithm}"`);
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw malformed('the authorization header is malformed');
    const name = part.slice(0, eq).trim();
    if (fields.has(name)) throw malformed(`duplicate ${name} in the authorization header`);
    fields.set(name, part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (
    credential === undefined ||
    signedHeaders === undefined ||
    signature === undefined ||
    fields.size !== 3
  ) {
    throw malformed('the authorization header needs exactly Credential, SignedHeaders and Signature');
  }
  if (!SIGNATURE.test(signature)) throw malformed('Signature must be 64 lowercase hex digits');
  return {
    credential: parseCredential(credential, malformed),
    signedHeaders: parseSignedHeaders(signedHeaders, malformed),
    signature,
  };
}

/** Whether the query carries SigV4 pre-signed parameters at all. */
export function isPresignedQuery(query: readonly QueryParam[]): boolean {
  return query.some(([name]) => name === 'X-Amz-Algorithm' || name === 'X-Amz-Signature');
}

export function parsePresignedQuery(query: readonly QueryParam[], maxExpirySeconds: number): ParsedQueryAuth {
  const bad = (message: string) => new AuthError('AuthorizationQueryParametersError', message);
  const get = (name: string): string | undefined => {
    const found = query.filter(([n]) => n === name);
    if (found.length > 1) throw bad(`${name} appears more than once`);
    return found[0]?.[1];
  };
  const algorithm = get('X-Amz-Algorithm');
  const credential = get('X-Amz-Credential');
  const amzDate = get('X-Amz-Date');
  const expires = get('X-Amz-Expires');
  const signedHeaders = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (
    algorithm === undefined ||
    credential === undefined ||
    amzDate === undefined ||
    expires === undefined ||
    signedHeaders === undefined ||
    signature === undefined
  ) {
    throw bad(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (algorithm !== ALGORITHM) throw bad(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  if (!AMZ_DATE.test(amzDate))
    throw bad("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (!/^\d{1,10}$/.test(expires)) throw bad('X-Amz-Expires should be a number');
  const expiresSeconds = Number(expires);
  if (expiresSeconds < 1) throw bad('X-Amz-Expires must be non-negative');
  if (expiresSeconds > maxExpirySeconds) {
    throw bad(`X-Amz-Expires must be less than a week (in seconds) that is ${maxExpirySeconds}`);
  }
  if (!SIGNATURE.test(signature)) throw bad('X-Amz-Signature must be 64 lowercase hex digits');
  return {
    credential: parseCredential(credential, bad),
    signedHeaders: parseSignedHeaders(signedHeaders, bad),
    signature,
    amzDate,
    expiresSeconds,
    securityToken: get('X-Amz-Security-Token'),
  };
}

export function amzDateToMs(amzDate: string): number | undefined {
  const m = AMZ_DATE.exec(amzDate);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(ms) ? undefined : ms;
}
