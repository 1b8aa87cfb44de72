/**
 * Security matrix, object store (S3-compatible) of the embedded platform: unsigned and mis-signed
 * PUTs, expired, tampered and re-aimed pre-signed URLs, a camera's session credentials outside its own
 * prefix, hostile keys, a body that is not the signed length, and wrong Content-MD5 / checksums. Every
 * refusal is checked in S3's XML error format.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createS3Presigner } from '../../src/presign/s3.js';
import type { PresignInput } from '../../src/presign/presigner.js';
import { sdkOptions } from '../helpers/aws.js';
import { rawRequest } from '../helpers/https.js';
import { surface } from './matrix.js';
import { sdkRefusal } from './sdk.js';
import { refusal } from './observe.js';
import { cameraSession, securityWorld, type SessionCredentials } from './world.js';

const storage = surface('storage', 'Object store');
const sw = securityWorld();
const HOUR = 3_600_000;

function bucket(): string {
  return sw().config.backend.uploads.bucket;
}

/** A pre-signed request made with the platform's own key pair, signed at `at` (default now). */
function presign(input: Omit<PresignInput, 'bucket'>, at?: Date) {
  const { platform } = sw();
  return createS3Presigner({
    region: sw().config.iot.region,
    endpoint: platform.endpoints.s3,
    credentials: platform.endpoints.credentials,
    ...(at ? { clock: { now: () => at } } : {}),
  }).presign({ bucket: bucket(), ...input });
}

function send(url: string, method: string, headers: Record<string, string>, body?: string) {
  return rawRequest(sw().world.httpsAgent, url, { method, headers, ...(body === undefined ? {} : { body }) });
}

function s3(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  const { platform, world } = sw();
  return new S3Client({ ...sdkOptions(platform.endpoints.s3, world.ca, credentials), forcePathStyle: true });
}

async function camera(id: string): Promise<SessionCredentials> {
  return cameraSession(sw(), await sw().world.provision(id));
}

storage.row('s3-unsigned-put', 'PUT without any signature', '403 AccessDenied', async () => {
  const res = await send(`${sw().platform.endpoints.s3}/${bucket()}/devices/x/a.jpg`, 'PUT', {}, 'x');
  return refusal(res, 403, 'AccessDenied');
});

storage.row(
  's3-expired-presigned',
  'pre-signed PUT URL used after it expired',
  '403 AccessDenied (Request has expired)',
  async () => {
    const put = await presign(
      { method: 'PUT', key: 'devices/x/late.jpg', expiresInSeconds: 60 },
      new Date(Date.now() - HOUR),
    );
    const res = await send(put.url, 'PUT', put.headers, 'x');
    assert.match(res.body.toString(), /Request has expired/);
    return refusal(res, 403, 'AccessDenied');
  },
);

storage.row(
  's3-tampered-signature',
  'pre-signed URL with one signature digit changed',
  '403 SignatureDoesNotMatch',
  async () => {
    const put = await presign({ method: 'PUT', key: 'devices/x/t.jpg', expiresInSeconds: 300 });
    const signature = new URL(put.url).searchParams.get('X-Amz-Signature') ?? '';
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    return refusal(
      await send(put.url.replace(signature, flipped), 'PUT', put.headers, 'x'),
      403,
      'SignatureDoesNotMatch',
    );
  },
);

storage.row(
  's3-presigned-other-key',
  'pre-signed PUT URL re-aimed at another key',
  '403 SignatureDoesNotMatch',
  async () => {
    const put = await presign({ method: 'PUT', key: 'devices/x/mine.jpg', expiresInSeconds: 300 });
    const other = put.url.replace('/devices/x/mine.jpg', '/devices/y/theirs.jpg');
    return refusal(await send(other, 'PUT', put.headers, 'x'), 403, 'SignatureDoesNotMatch');
  },
);

storage.row(
  's3-presigned-other-method',
  'pre-signed GET URL used to PUT (and DELETE)',
  '403 SignatureDoesNotMatch',
  async () => {
    const get = await presign({ method: 'GET', key: 'devices/x/g.jpg', expiresInSeconds: 300 });
    const put = refusal(await send(get.url, 'PUT', {}, 'x'), 403, 'SignatureDoesNotMatch');
    assert.equal(refusal(await send(get.url, 'DELETE', {}), 403, 'SignatureDoesNotMatch'), put);
    return put;
  },
);

storage.row(
  's3-camera-other-device',
  "camera session credentials writing another device's key",
  '403 AccessDenied',
  async (t) => {
    const client = s3(await camera('cam-s3-a'));
    t.after(() => client.destroy());
    await client.send(new PutObjectCommand({ Bucket: bucket(), Key: 'devices/cam-s3-a/own.jpg', Body: 'x' }));
    return sdkRefusal(
      client.send(new PutObjectCommand({ Bucket: bucket(), Key: 'devices/cam-s3-b/x.jpg', Body: 'x' })),
      403,
      'AccessDenied',
    );
  },
);

storage.row(
  's3-key-dotdot',
  'camera session credentials writing `devices/<own>/../<other>/x.jpg`',
  'keys are literal: stored under that exact key, nothing outside the prefix is touched',
  async (t) => {
    const own = s3(await camera('cam-s3-dots'));
    t.after(() => own.destroy());
    const admin = s3(sw().platform.endpoints.credentials);
    t.after(() => admin.destroy());
    const key = 'devices/cam-s3-dots/../cam-s3-victim/x.jpg';
    await own.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: 'dots' }));
    const back = await admin.send(new GetObjectCommand({ Bucket: bucket(), Key: key }));
    assert.equal(await back.Body?.transformToString(), 'dots');
    const victim = await sdkRefusal(
      admin.send(new GetObjectCommand({ Bucket: bucket(), Key: 'devices/cam-s3-victim/x.jpg' })),
      404,
      'NoSuchKey',
    );
    return `200, stored under the literal key; devices/cam-s3-victim/x.jpg: ${victim}`;
  },
);

storage.row(
  's3-key-absolute',
  'camera session credentials writing the key `/etc/passwd`',
  '403 AccessDenied',
  async (t) => {
    const client = s3(await camera('cam-s3-abs'));
    t.after(() => client.destroy());
    return sdkRefusal(
      client.send(new PutObjectCommand({ Bucket: bucket(), Key: '/etc/passwd', Body: 'x' })),
      403,
      'AccessDenied',
    );
  },
);

storage.row(
  's3-key-control',
  'a key with a control character (newline)',
  '400 InvalidArgument',
  async (t) => {
    const admin = s3(sw().platform.endpoints.credentials);
    t.after(() => admin.destroy());
    return sdkRefusal(
      admin.send(new PutObjectCommand({ Bucket: bucket(), Key: 'devices/x/a\nb.jpg', Body: 'x' })),
      400,
      'InvalidArgument',
    );
  },
);

storage.row(
  's3-body-over-signed-length',
  'pre-signed PUT (signed Content-Length 10) with a 20-byte body',
  '403 SignatureDoesNotMatch',
  async () => {
    const put = await presign({
      method: 'PUT',
      key: 'devices/x/len.jpg',
      expiresInSeconds: 300,
      contentLength: 10,
    });
    const body = 'x'.repeat(20);
    const res = await send(put.url, 'PUT', { ...put.headers, 'content-length': String(body.length) }, body);
    return refusal(res, 403, 'SignatureDoesNotMatch');
  },
);

storage.row('s3-wrong-content-md5', 'PUT whose Content-MD5 is not the body’s', '400 BadDigest', async () => {
  const put = await presign({ method: 'PUT', key: 'devices/x/md5.jpg', expiresInSeconds: 300 });
  const md5 = createHash('md5').update('other bytes').digest('base64');
  return refusal(
    await send(put.url, 'PUT', { ...put.headers, 'content-md5': md5 }, 'the bytes'),
    400,
    'BadDigest',
  );
});

storage.row(
  's3-wrong-checksum',
  'pre-signed PUT with a signed x-amz-checksum-sha256 of other bytes',
  '400 BadDigest',
  async () => {
    const checksumSha256 = createHash('sha256').update('other bytes').digest('base64');
    const put = await presign({
      method: 'PUT',
      key: 'devices/x/sum.jpg',
      expiresInSeconds: 300,
      checksumSha256,
    });
    return refusal(await send(put.url, 'PUT', put.headers, 'the bytes'), 400, 'BadDigest');
  },
);

storage.done();
