/**
 * The PutMedia request as camlink signs it, checked by the project's own SigV4 verifier (service
 * kinesisvideo, temporary credentials, payload = the empty-string hash as for a streamed body).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InMemoryCredentialStore } from '../../auth/credentials.js';
import { headersFromRecord } from '../../auth/sigv4/headers.js';
import { verifySigV4 } from '../../auth/sigv4/verify.js';
import { EMPTY_PAYLOAD_SHA256, NodeSha256, signPutMediaRequest } from './put-media-signing.js';

const now = new Date('2026-03-04T05:06:07.891Z');
const clock = { now: () => now };
const credentials = {
  accessKeyId: 'ASIAEXAMPLEEXAMPLE12',
  secretAccessKey: 'secretsecretsecretsecretsecretsecretsecr',
  sessionToken: 'session-token-of-the-camera',
  expiration: new Date(now.getTime() + 3_600_000),
};

test('signPutMediaRequest: a SigV4 request the verifier accepts, with the empty-payload hash', async () => {
  const signed = await signPutMediaRequest({
    dataEndpoint: 'https://127.0.0.1:4443/',
    streamName: 'cam-1',
    region: 'eu-west-1',
    credentials: () => Promise.resolve(credentials),
    clock,
  });
  assert.equal(signed.url.href, 'https://127.0.0.1:4443/putMedia');
  const h = signed.headers;
  assert.equal(h['host'], '127.0.0.1:4443');
  assert.equal(h['x-amzn-stream-name'], 'cam-1');
  assert.equal(h['x-amzn-fragment-timecode-type'], 'RELATIVE');
  assert.equal(h['x-amzn-producer-start-timestamp'], '1772600767.891');
  assert.equal(h['x-amzn-fragment-acknowledgment-required'], '1');
  assert.equal(h['x-amz-content-sha256'], EMPTY_PAYLOAD_SHA256);
  assert.equal(h['x-amz-security-token'], credentials.sessionToken);
  assert.equal(h['x-amz-date'], '20260304T050607Z');
  assert.equal(h['transfer-encoding'], 'chunked');
  const auth = h['authorization'] ?? '';
  assert.match(
    auth,
    /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE12\/20260304\/eu-west-1\/kinesisvideo\/aws4_request, /,
  );
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? [];
  for (const name of [
    'host',
    'x-amz-content-sha256',
    'x-amz-date',
    'x-amz-security-token',
    'x-amzn-fragment-acknowledgment-required',
    'x-amzn-fragment-timecode-type',
    'x-amzn-producer-start-timestamp',
    'x-amzn-stream-name',
  ]) {
    assert.ok(signedHeaders.includes(name), `${name} is signed`);
  }
  assert.ok(!signedHeaders.includes('transfer-encoding'));

  const store = new InMemoryCredentialStore([
    {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiresAt: credentials.expiration,
    },
  ]);
  const options = {
    service: 'kinesisvideo',
    region: 'eu-west-1',
    s3: false,
    credentials: store,
    clock,
    clockSkewSeconds: 300,
    maxExpirySeconds: 604800,
  };
  const request = { method: 'POST', rawPath: '/putMedia', query: [], headers: headersFromRecord(h) };
  const verified = verifySigV4(request, options);
  assert.equal(verified.payloadHash, EMPTY_PAYLOAD_SHA256);
  assert.equal(verified.scope, '20260304/eu-west-1/kinesisvideo/aws4_request');

  // A changed signed header, or no token, is refused.
  const tampered = headersFromRecord({ ...h, 'x-amzn-stream-name': 'cam-2' });
  assert.throws(() => verifySigV4({ ...request, headers: tampered }, options), {
    code: 'SignatureDoesNotMatch',
  });
  const noToken = Object.fromEntries(Object.entries(h).filter(([name]) => name !== 'x-amz-security-token'));
  assert.throws(() => verifySigV4({ ...request, headers: headersFromRecord(noToken) }, options));
});

test('signPutMediaRequest: ABSOLUTE timecodes and a given start time', async () => {
  const signed = await signPutMediaRequest({
    dataEndpoint: 'http://localhost:8080',
    streamName: 's',
    region: 'us-east-1',
    credentials: () => Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }),
    timecodeType: 'ABSOLUTE',
    producerStartTime: new Date(1_000_000_000_005),
    clock,
  });
  assert.equal(signed.headers['x-amzn-fragment-timecode-type'], 'ABSOLUTE');
  assert.equal(signed.headers['x-amzn-producer-start-timestamp'], '1000000000.005');
  assert.equal(signed.headers['host'], 'localhost:8080');
  assert.equal(signed.headers['x-amz-security-token'], undefined);
});

test('NodeSha256: SHA-256 and HMAC-SHA-256, resettable', async () => {
  const h = new NodeSha256();
  h.update('abc');
  assert.equal(
    Buffer.from(await h.digest()).toString('hex'),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
  h.reset();
  assert.equal(Buffer.from(await h.digest()).toString('hex'), EMPTY_PAYLOAD_SHA256);
  const mac = new NodeSha256(new Uint8Array(Buffer.from('key')));
  mac.update(new Uint8Array(Buffer.from('The quick brown fox jumps over the lazy dog')));
  assert.equal(
    Buffer.from(await mac.digest()).toString('hex'),
    'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
  );
});
