/**
 * A tiny SigV4 header signer for tests that need exact control (wrong payload hashes, signed
 * aws-chunked bodies), built from the same canonical-request functions the store verifies with.
 */
import {
  canonicalRequest,
  credentialScope,
  sha256Hex,
  stringToSign,
} from '../../src/auth/sigv4/canonical-request.js';
import { chunkStringToSign, EMPTY_SHA256 } from '../../src/auth/sigv4/chunk-signature.js';
import { parseQuery } from '../../src/auth/sigv4/encoding.js';
import { headersFromRecord } from '../../src/auth/sigv4/headers.js';
import { signingKey, signString } from '../../src/auth/sigv4/signing-key.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './storage.js';

export function amzDate(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Returns the headers (with Authorization) for `method path` on `host`, signing every given header. */
export function signHeaders(
  method: string,
  host: string,
  path: string,
  headers: Record<string, string>,
  payloadHash: string,
  now: Date,
): { headers: Record<string, string>; signature: string; key: Buffer; scope: string; date: string } {
  const date = amzDate(now);
  const all: Record<string, string> = {
    ...headers,
    host,
    'x-amz-date': date,
    'x-amz-content-sha256': payloadHash,
  };
  const signed = Object.keys(all)
    .map((h) => h.toLowerCase())
    .sort();
  const q = path.indexOf('?');
  const canonical = canonicalRequest({
    method,
    rawPath: q < 0 ? path : path.slice(0, q),
    query: parseQuery(q < 0 ? '' : path.slice(q + 1)),
    headers: headersFromRecord(all),
    signedHeaders: signed,
    payloadHash,
    s3: true,
  });
  const scope = credentialScope(date.slice(0, 8), 'us-east-1', 's3');
  const key = signingKey(SECRET_ACCESS_KEY, date.slice(0, 8), 'us-east-1', 's3');
  const signature = signString(key, stringToSign(date, scope, canonical));
  const { host: _host, ...rest } = all;
  void _host;
  return {
    headers: {
      ...rest,
      authorization: `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/${scope},SignedHeaders=${signed.join(';')},Signature=${signature}`,
    },
    signature,
    key,
    scope,
    date,
  };
}

/** A STREAMING-AWS4-HMAC-SHA256-PAYLOAD body for `chunks`, chained from the seed signature. */
export function signedChunkedBody(
  chunks: Buffer[],
  key: Buffer,
  date: string,
  scope: string,
  seed: string,
): Buffer {
  const out: Buffer[] = [];
  let previous = seed;
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const signature = signString(
      key,
      chunkStringToSign(date, scope, previous, chunk.length === 0 ? EMPTY_SHA256 : sha256Hex(chunk)),
    );
    out.push(
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    );
    previous = signature;
  }
  return Buffer.concat(out);
}
