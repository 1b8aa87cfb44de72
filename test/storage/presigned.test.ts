/**
 * Pre-signed URLs against the embedded store: curl as the uploader (as a camera would), the 403 matrix
 * with S3's error codes, temporary credentials added at runtime, and COS-signed URLs (path style and
 * <bucket>-<appid>.cos.<region>.myqcloud.com virtual-host style).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { createS3Presigner } from '../../src/presign/s3.js';
import { createCosPresigner } from '../../src/presign/cos.js';
import { FakeClock } from '../helpers/pki.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY, startTestStore } from '../helpers/storage.js';
import { curl, rawRequest, s3Code } from '../helpers/https.js';
import { tempDir } from '../helpers/tmp.js';

async function storeWithClock(t: Parameters<typeof startTestStore>[0]) {
  const clock = new FakeClock(new Date());
  const store = await startTestStore(t, {
    clock,
    virtualHostDomains: ['s3.localhost', 'cos.ap-shanghai.myqcloud.com'],
  });
  const presigner = createS3Presigner({
    region: 'us-east-1',
    endpoint: store.server.url,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    clock,
  });
  await store.client().send(new CreateBucketCommand({ Bucket: 'uploads' }));
  return { ...store, clock, presigner };
}

test('curl PUTs and GETs with pre-signed URLs (signed Content-Type)', async (t) => {
  const { presigner, server, ca, client } = await storeWithClock(t);
  const dir = await tempDir(t);
  const caFile = join(dir, 'ca.pem');
  const file = join(dir, 'photo.jpg');
  const body = randomBytes(300_000);
  await writeFile(caFile, ca);
  await writeFile(file, body);
  const put = await presigner.presign({
    method: 'PUT',
    bucket: 'uploads',
    key: 'cam-1/2026/photo 1.jpg',
    expiresInSeconds: 600,
    contentType: 'image/jpeg',
  });
  assert.ok(put.url.startsWith(`${server.url}/uploads/cam-1/2026/photo%201.jpg?`));
  const headerArgs = Object.entries(put.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const up = await curl([
    '-sS',
    '--cacert',
    caFile,
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-T',
    file,
    ...headerArgs,
    put.url,
  ]);
  assert.equal(up.stdout, '200', up.stderr);
  const get = await presigner.presign({
    method: 'GET',
    bucket: 'uploads',
    key: 'cam-1/2026/photo 1.jpg',
    expiresInSeconds: 600,
  });
  const out = join(dir, 'back.jpg');
  const down = await curl(['-sS', '--fail', '--cacert', caFile, '-o', out, get.url]);
  assert.equal(down.code, 0, down.stderr);
  assert.ok((await readFile(out)).equals(body));
  const head = await client().send(
    new HeadObjectCommand({ Bucket: 'uploads', Key: 'cam-1/2026/photo 1.jpg' }),
  );
  assert.equal(head.ContentType, 'image/jpeg');
});

test('403 matrix: tampered, expired, swapped method, swapped key, missing signed header, >7 days, unknown key, anonymous, SigV2', async (t) => {
  const { presigner, agent, clock, server } = await storeWithClock(t);
  const put = await presigner.presign({
    method: 'PUT',
    bucket: 'uploads',
    key: 'a.jpg',
    expiresInSeconds: 300,
    contentType: 'image/jpeg',
  });
  const send = (
    url: string,
    method = 'PUT',
    headers: Record<string, string> = { 'content-type': 'image/jpeg' },
  ) => rawRequest(agent, url, { method, headers, body: method === 'PUT' ? 'jpeg bytes' : undefined });
  const expectError = async (
    promise: Promise<{ status: number; body: Buffer }>,
    status: number,
    code: string,
    message?: RegExp,
  ) => {
    const res = await promise;
    assert.equal(res.status, status, res.body.toString());
    assert.equal(s3Code(res.body), code);
    if (message) assert.match(res.body.toString(), message);
    assert.match(res.body.toString(), /<RequestId>[0-9A-F]{16}<\/RequestId>/);
  };

  const url = new URL(put.url);
  const signature = url.searchParams.get('X-Amz-Signature') ?? '';
  const tampered = put.url.replace(
    signature,
    `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
  );
  await expectError(send(tampered), 403, 'SignatureDoesNotMatch');
  await expectError(send(put.url, 'POST'), 403, 'SignatureDoesNotMatch');
  await expectError(send(put.url, 'GET', {}), 403, 'SignatureDoesNotMatch');
  await expectError(send(put.url.replace('/uploads/a.jpg', '/uploads/b.jpg')), 403, 'SignatureDoesNotMatch');
  await expectError(send(put.url, 'PUT', {}), 403, 'SignatureDoesNotMatch');
  await expectError(send(put.url, 'PUT', { 'content-type': 'text/html' }), 403, 'SignatureDoesNotMatch');
  await expectError(
    send(put.url.replace('X-Amz-Expires=300', 'X-Amz-Expires=604801')),
    400,
    'AuthorizationQueryParametersError',
  );
  await expectError(send(put.url.replace(ACCESS_KEY_ID, 'AKIAI44QH8DHBEXAMPLE')), 403, 'InvalidAccessKeyId');
  await expectError(send(`${server.url}/uploads/a.jpg`), 403, 'AccessDenied');
  // SigV2 (the AWS CLI v1's and boto3's default for presigning) is refused as S3 refuses it, not as anonymous.
  const expires = Math.floor(clock.current.getTime() / 1000) + 300;
  const sigV2 = `${server.url}/uploads/a.jpg?AWSAccessKeyId=${ACCESS_KEY_ID}&Signature=c2lnbmF0dXJl&Expires=${expires}`;
  const mechanism =
    /The authorization mechanism you have provided is not supported\. Please use AWS4-HMAC-SHA256\./;
  await expectError(send(sigV2, 'GET', {}), 400, 'InvalidRequest', mechanism);
  await expectError(
    send(`${server.url}/uploads/a.jpg`, 'GET', { authorization: `AWS ${ACCESS_KEY_ID}:c2lnbmF0dXJl` }),
    400,
    'InvalidRequest',
    mechanism,
  );
  assert.equal((await send(put.url)).status, 200);

  clock.current = new Date(clock.current.getTime() + 301_000);
  await expectError(send(put.url), 403, 'AccessDenied', /Request has expired/);
});

test('temporary credentials added at runtime: token required, expiry enforced', async (t) => {
  const { credentials, clock, server, agent } = await storeWithClock(t);
  credentials.add({
    accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'tmpSecretKeyForTestsOnly0123456789',
    sessionToken: 'session-token-issued-by-the-credentials-provider',
    expiresAt: new Date(clock.current.getTime() + 600_000),
  });
  const presigner = createS3Presigner({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: {
      accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'tmpSecretKeyForTestsOnly0123456789',
      sessionToken: 'session-token-issued-by-the-credentials-provider',
    },
    clock,
  });
  const put = await presigner.presign({
    method: 'PUT',
    bucket: 'uploads',
    key: 'tmp.bin',
    expiresInSeconds: 3600,
  });
  assert.match(put.url, /X-Amz-Security-Token=/);
  assert.equal((await rawRequest(agent, put.url, { method: 'PUT', body: 'x' })).status, 200);
  const noToken = put.url.replace(/&X-Amz-Security-Token=[^&]*/, '');
  assert.equal(
    s3Code((await rawRequest(agent, noToken, { method: 'PUT', body: 'x' })).body),
    'InvalidAccessKeyId',
  );
  clock.current = new Date(clock.current.getTime() + 601_000);
  const expired = await rawRequest(agent, put.url, { method: 'PUT', body: 'x' });
  assert.equal(expired.status, 400);
  assert.equal(s3Code(expired.body), 'ExpiredToken');
});

test('COS-signed URLs (cos-nodejs-sdk-v5 getAuthorization) are accepted, path style and <bucket>-<appid>.cos.<region>.myqcloud.com', async (t) => {
  const { credentials, clock, server, agent, client, ca } = await storeWithClock(t);
  credentials.add({
    accessKeyId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q',
    secretAccessKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz',
  });
  await client().send(new CreateBucketCommand({ Bucket: 'examplebucket-1250000000' }));
  const base = {
    appId: '1250000000',
    region: 'ap-shanghai',
    secretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q',
    secretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz',
    clock,
  };

  const pathStyle = createCosPresigner({ ...base, endpoint: server.url });
  const put = await pathStyle.presign({
    method: 'PUT',
    bucket: 'examplebucket',
    key: 'videos/clip 1.mp4',
    expiresInSeconds: 600,
    contentType: 'video/mp4',
  });
  assert.equal(
    (await rawRequest(agent, put.url, { method: 'PUT', headers: put.headers, body: 'mp4 bytes' })).status,
    200,
  );
  const get = await client().send(
    new GetObjectCommand({ Bucket: 'examplebucket-1250000000', Key: 'videos/clip 1.mp4' }),
  );
  assert.equal(await get.Body?.transformToString(), 'mp4 bytes');
  const wrongType = await rawRequest(agent, put.url, {
    method: 'PUT',
    headers: { 'content-type': 'text/html' },
    body: 'x',
  });
  assert.equal(s3Code(wrongType.body), 'SignatureDoesNotMatch');
  const otherKey = await rawRequest(agent, put.url.replace('clip%201', 'clip%202'), {
    method: 'PUT',
    headers: put.headers,
    body: 'x',
  });
  assert.equal(s3Code(otherKey.body), 'SignatureDoesNotMatch');

  const vhost = createCosPresigner(base);
  const vput = await vhost.presign({
    method: 'PUT',
    bucket: 'examplebucket',
    key: 'photos/a.jpg',
    expiresInSeconds: 60,
  });
  const host = new URL(vput.url).host;
  assert.equal(host, 'examplebucket-1250000000.cos.ap-shanghai.myqcloud.com');
  const dir = await tempDir(t);
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca);
  const up = await curl([
    '-sS',
    '--cacert',
    caFile,
    '--connect-to',
    `${host}:443:127.0.0.1:${server.port}`,
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-X',
    'PUT',
    '--data-binary',
    'jpeg',
    vput.url,
  ]);
  assert.equal(up.stdout, '200', up.stderr);
  await client().send(new PutObjectCommand({ Bucket: 'examplebucket-1250000000', Key: 'check', Body: 'x' }));
  clock.current = new Date(clock.current.getTime() + 61_000);
  const late = await rawRequest(agent, vput.url, {
    method: 'PUT',
    body: 'x',
    hostHeader: host,
    port: server.port,
  });
  assert.equal(late.status, 403);
  assert.match(late.body.toString(), /Request has expired/);
});
