/**
 * Presigners without a server: partition-aware S3 endpoints, the documented COS endpoint, input limits,
 * and URLs that our own verifiers (src/auth) accept at the signing time and refuse after expiry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryCredentialStore } from '../auth/credentials.js';
import { parseQuery } from '../auth/sigv4/encoding.js';
import { AuthError } from '../auth/sigv4/errors.js';
import { headersFromRecord } from '../auth/sigv4/headers.js';
import { verifySigV4 } from '../auth/sigv4/verify.js';
import { verifyCos } from '../auth/cos/verify.js';
import { isCamlinkError } from '../errors/camlink-error.js';
import { createCosPresigner } from './cos.js';
import { createS3Presigner } from './s3.js';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AT = new Date('2013-05-24T00:00:00Z');
const credentials = new InMemoryCredentialStore([{ accessKeyId: AKID, secretAccessKey: SECRET }]);

function sigv4Options(now: Date, region = 'us-east-1') {
  return {
    service: 's3',
    region,
    s3: true,
    credentials,
    clock: { now: () => now },
    clockSkewSeconds: 900,
    maxExpirySeconds: 604_800,
  };
}

test('S3 presigner: aws and aws-cn endpoints, signed Content-Type, accepted by the SigV4 verifier until expiry', async () => {
  const global = createS3Presigner({
    region: 'us-east-1',
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
    clock: { now: () => AT },
  });
  const put = await global.presign({
    method: 'PUT',
    bucket: 'examplebucket',
    key: 'cam 1/a+b.jpg',
    expiresInSeconds: 900,
    contentType: 'image/jpeg',
  });
  const url = new URL(put.url);
  assert.equal(url.host, 'examplebucket.s3.us-east-1.amazonaws.com');
  assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'content-type;host');
  assert.equal(
    url.searchParams.get('x-amz-checksum-crc32'),
    null,
    'WHEN_REQUIRED: no checksum of an empty body',
  );
  assert.deepEqual(put.headers, { 'content-type': 'image/jpeg' });
  assert.equal(put.expiresAt.toISOString(), '2013-05-24T00:15:00.000Z');
  const request = (contentType: string) => ({
    method: 'PUT',
    rawPath: url.pathname,
    query: parseQuery(url.search.slice(1)),
    headers: headersFromRecord({ host: url.host, 'content-type': contentType }),
  });
  verifySigV4(request('image/jpeg'), sigv4Options(new Date('2013-05-24T00:15:00Z')));
  assert.throws(
    () => verifySigV4(request('text/html'), sigv4Options(AT)),
    (err) => err instanceof AuthError && err.code === 'SignatureDoesNotMatch',
  );
  assert.throws(
    () => verifySigV4(request('image/jpeg'), sigv4Options(new Date('2013-05-24T00:15:01Z'))),
    (err) => err instanceof AuthError && err.code === 'AccessDenied' && /expired/.test(err.message),
  );

  const china = createS3Presigner({
    region: 'cn-north-1',
    partition: 'aws-cn',
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
    clock: { now: () => AT },
  });
  const cn = new URL(
    (await china.presign({ method: 'GET', bucket: 'examplebucket', key: 'a.jpg', expiresInSeconds: 60 })).url,
  );
  assert.equal(cn.host, 'examplebucket.s3.cn-north-1.amazonaws.com.cn');
  assert.match(cn.searchParams.get('X-Amz-Credential') ?? '', /\/cn-north-1\/s3\/aws4_request$/);

  assert.throws(
    () =>
      createS3Presigner({
        region: 'cn-north-1',
        partition: 'aws',
        credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
      }),
    (err) => isCamlinkError(err, 'PRESIGN_INVALID'),
  );
  await assert.rejects(
    global.presign({ method: 'PUT', bucket: 'examplebucket', key: 'a', expiresInSeconds: 604_801 }),
    (err) => isCamlinkError(err, 'PRESIGN_INVALID'),
  );
  await assert.rejects(
    global.presign({ method: 'PUT', bucket: 'examplebucket', key: 'k'.repeat(1025), expiresInSeconds: 60 }),
    (err) => isCamlinkError(err, 'PRESIGN_INVALID'),
  );
});

test('COS presigner: <bucket>-<appid>.cos.<region>.myqcloud.com, key time from the clock, accepted by the COS verifier', async () => {
  const now = new Date('2023-11-14T22:13:21Z');
  const presigner = createCosPresigner({
    appId: '1250000000',
    region: 'ap-shanghai',
    secretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q',
    secretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz',
    clock: { now: () => now },
  });
  const put = await presigner.presign({
    method: 'PUT',
    bucket: 'examplebucket',
    key: 'videos/clip 1.mp4',
    expiresInSeconds: 3600,
  });
  const url = new URL(put.url);
  assert.equal(url.host, 'examplebucket-1250000000.cos.ap-shanghai.myqcloud.com');
  assert.equal(url.pathname, '/videos/clip%201.mp4');
  // Same key time and signed header as the SDK-confirmed vector (kvs-sigv4-cos.md §2.3).
  assert.equal(url.searchParams.get('q-sign-time'), '1700000000;1700003600');
  assert.equal(url.searchParams.get('q-signature'), '64220dbba794e7795188b986ca404c8410b1f846');
  const cosCredentials = new InMemoryCredentialStore([
    {
      accessKeyId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q',
      secretAccessKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz',
    },
  ]);
  const verified = verifyCos(
    {
      method: 'PUT',
      pathname: '/videos/clip 1.mp4',
      query: parseQuery(url.search.slice(1)),
      headers: headersFromRecord({ host: url.host }),
    },
    {
      credentials: cosCredentials,
      clock: { now: () => now },
      clockSkewSeconds: 900,
      maxExpirySeconds: 604_800,
    },
  );
  assert.equal(verified.presigned, true);
  assert.equal(put.expiresAt.toISOString(), new Date(1_700_003_600_000).toISOString());
});

test('S3 presigner: a declared length and SHA-256 are signed headers the uploader must send', async () => {
  const presigner = createS3Presigner({
    region: 'us-east-1',
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
    clock: { now: () => AT },
  });
  const checksum = Buffer.alloc(32, 7).toString('base64');
  const put = await presigner.presign({
    method: 'PUT',
    bucket: 'examplebucket',
    key: 'a.jpg',
    expiresInSeconds: 900,
    contentType: 'image/jpeg',
    contentLength: 5,
    checksumSha256: checksum,
  });
  const url = new URL(put.url);
  assert.equal(
    url.searchParams.get('X-Amz-SignedHeaders'),
    'content-length;content-type;host;x-amz-checksum-sha256',
  );
  // A header, not a query parameter: S3 checks header checksums against the bytes.
  assert.equal(url.searchParams.get('x-amz-checksum-sha256'), null);
  assert.deepEqual(put.headers, {
    'content-type': 'image/jpeg',
    'content-length': '5',
    'x-amz-checksum-sha256': checksum,
  });
  const request = (headers: Record<string, string>) => ({
    method: 'PUT',
    rawPath: url.pathname,
    query: parseQuery(url.search.slice(1)),
    headers: headersFromRecord({ host: url.host, ...headers }),
  });
  verifySigV4(request(put.headers), sigv4Options(AT));
  for (const changed of [
    { ...put.headers, 'content-length': '6' },
    { 'content-type': 'image/jpeg', 'content-length': '5' },
  ]) {
    assert.throws(
      () => verifySigV4(request(changed), sigv4Options(AT)),
      (err) => err instanceof AuthError && err.code === 'SignatureDoesNotMatch',
    );
  }
  for (const bad of [{ contentLength: -1 }, { contentLength: 1.5 }, { checksumSha256: 'abc' }]) {
    await assert.rejects(
      presigner.presign({ method: 'PUT', bucket: 'examplebucket', key: 'a', expiresInSeconds: 60, ...bad }),
      (err) => isCamlinkError(err, 'PRESIGN_INVALID'),
    );
  }
  await assert.rejects(
    presigner.presign({
      method: 'GET',
      bucket: 'examplebucket',
      key: 'a',
      expiresInSeconds: 60,
      contentLength: 1,
    }),
    (err) => isCamlinkError(err, 'PRESIGN_INVALID'),
  );
});

test('COS presigner: a declared length is in q-header-list; a SHA-256 is refused (COS cannot check it)', async () => {
  const presigner = createCosPresigner({
    appId: '1250000000',
    region: 'ap-shanghai',
    secretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q',
    secretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz',
    clock: { now: () => AT },
  });
  const put = await presigner.presign({
    method: 'PUT',
    bucket: 'examplebucket',
    key: 'a.jpg',
    expiresInSeconds: 900,
    contentType: 'image/jpeg',
    contentLength: 5,
  });
  assert.equal(new URL(put.url).searchParams.get('q-header-list'), 'content-length;content-type;host');
  assert.deepEqual(put.headers, { 'content-type': 'image/jpeg', 'content-length': '5' });
  await assert.rejects(
    presigner.presign({
      method: 'PUT',
      bucket: 'examplebucket',
      key: 'a.jpg',
      expiresInSeconds: 900,
      checksumSha256: Buffer.alloc(32).toString('base64'),
    }),
    (err) => isCamlinkError(err, 'PRESIGN_INVALID'),
  );
});
