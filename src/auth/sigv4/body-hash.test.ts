import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { InMemoryCredentialStore } from '../credentials.js';
import { headersFromRecord } from './headers.js';
import { AuthError } from './errors.js';
import { verifySigV4 } from './verify.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

test('non-S3 services: a claimed x-amz-content-sha256 must be the hash of the body received', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  const options = {
    service: 'iot',
    region: 'us-east-1',
    s3: false,
    credentials: new InMemoryCredentialStore([{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }]),
    clock: { now: () => now },
    clockSkewSeconds: 900,
    maxExpirySeconds: 604_800,
  };
  const request = {
    method: 'POST',
    rawPath: '/policies/p1',
    query: [],
    headers: headersFromRecord({
      host: 'localhost',
      'x-amz-date': '20261126T120000Z',
      'x-amz-content-sha256': sha('{"signed":true}'),
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=' +
        '0'.repeat(64),
    }),
    bodySha256: sha('{"tampered":true}'),
  };
  assert.throws(
    () => verifySigV4(request, options),
    (err) =>
      err instanceof AuthError &&
      err.code === 'SignatureDoesNotMatch' &&
      /x-amz-content-sha256/.test(err.message),
  );
});
