/**
 * Upload URLs and the media API on both stores, against a real embedded platform: the pre-signed PUTs
 * are used over HTTPS and the objects checked with @aws-sdk/client-s3; the store refuses a PUT that
 * differs from what was declared (type, length, bytes).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import type { TestContext } from 'node:test';
import { CreateBucketCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { IssuedUpload } from '../../src/app/backend-client.js';
import { backendTest, errorCode, type TestBackend } from '../helpers/backend-app.js';
import { sdkOptions } from '../helpers/aws.js';
import { rawRequest, type RawResponse } from '../helpers/https.js';

interface UploadBody {
  uploadId: string;
  deviceId: string;
  status: string;
  contentType: string;
  size: number | null;
  sha256: string | null;
  createdAt: string;
  completedAt: string | null;
  capturedAt: string | null;
  url: string;
  get?: { url: string; expiresAt: string };
}

interface Peers {
  s3: S3Client;
  agent: Agent;
}

async function peers(t: TestContext, b: TestBackend): Promise<Peers> {
  const ca = await readFile(b.platform.endpoints.caPath);
  const { accessKeyId, secretAccessKey } = b.platform.endpoints.credentials;
  const s3 = new S3Client({
    ...sdkOptions(b.platform.endpoints.s3, ca, { accessKeyId, secretAccessKey }),
    forcePathStyle: true,
  });
  const agent = new Agent({ ca, keepAlive: false });
  t.after(() => {
    s3.destroy();
    agent.destroy();
  });
  return { s3, agent };
}

/** A user owning cam-1 (paired through the store: the pairing API is built elsewhere). */
async function owner(b: TestBackend, name = 'alice', deviceId = 'cam-1') {
  const user = await b.user(name);
  const res = await b.call('POST', '/v1/devices', { token: b.operatorToken, body: { deviceId } });
  assert.equal(res.statusCode, 201);
  assert.equal(await b.store.linkUserDevice(user.id, deviceId, b.clock.now().getTime()), 'linked');
  return user;
}

async function issue(
  b: TestBackend,
  token: string,
  body: unknown,
  deviceId = 'cam-1',
): Promise<IssuedUpload> {
  const res = await b.call('POST', `/v1/devices/${deviceId}/uploads`, { token, body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json<IssuedUpload>();
}

function put(p: Peers, url: string, headers: Record<string, string>, body: Buffer): Promise<RawResponse> {
  return rawRequest(p.agent, url, {
    method: 'PUT',
    headers: { ...headers, 'content-length': String(body.length) },
    body,
  });
}

async function head(p: Peers, bucket: string, key: string) {
  try {
    return await p.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  } catch (err) {
    if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return undefined;
    throw err;
  }
}

const s3Code = (res: RawResponse) => /<Code>([^<]+)<\/Code>/.exec(res.body.toString())?.[1];
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

backendTest(
  'an issued URL stores exactly the declared object; another type, length or bytes are refused',
  async (t, b) => {
    const p = await peers(t, b);
    const alice = await owner(b);
    const bytes = Buffer.from('\xff\xd8\xff\xe0 a tiny jpeg', 'latin1');

    const issued = await issue(b, alice.token, {
      contentType: 'Image/JPEG',
      size: bytes.length,
      sha256: sha256(bytes).toUpperCase(),
    });
    assert.match(issued.uploadId, /^upl_[A-Za-z0-9_-]{22}$/);
    assert.equal(issued.deviceId, 'cam-1');
    assert.equal(issued.bucket, 'camlink-media');
    assert.equal(issued.key, `devices/cam-1/${issued.uploadId}.jpg`);
    assert.equal(issued.url, `${b.platform.endpoints.s3}/camlink-media/devices/cam-1/${issued.uploadId}.jpg`);
    assert.equal(issued.put.method, 'PUT');
    assert.deepEqual(issued.put.headers, {
      'content-type': 'image/jpeg',
      'content-length': String(bytes.length),
      'x-amz-checksum-sha256': createHash('sha256').update(bytes).digest('base64'),
    });
    assert.equal(issued.put.expiresAt, new Date(b.clock.now().getTime() + 900_000).toISOString());
    const row = await b.store.findUpload(issued.uploadId);
    assert.equal(row?.status, 'pending');
    assert.equal(row?.userId, alice.id);
    assert.equal(row?.requestedBy, 'app');
    assert.equal(row?.maxSize, bytes.length);
    assert.equal(row?.contentType, 'image/jpeg');

    // put() sends the body's real length, whatever the headers say.
    const signed = issued.put.headers;
    const withoutChecksum = { 'content-type': 'image/jpeg' };
    const refused: [Record<string, string>, Buffer, number, string][] = [
      [{ ...signed, 'content-type': 'text/html' }, bytes, 403, 'SignatureDoesNotMatch'],
      [signed, Buffer.concat([bytes, Buffer.from('!')]), 403, 'SignatureDoesNotMatch'],
      [signed, Buffer.from(bytes.toString('latin1').replace('tiny', 'TINY'), 'latin1'), 400, 'BadDigest'],
      [withoutChecksum, bytes, 403, 'SignatureDoesNotMatch'],
    ];
    for (const [headers, body, status, code] of refused) {
      const res = await put(p, issued.put.url, headers, body);
      assert.equal(res.status, status, res.body.toString());
      assert.equal(s3Code(res), code);
      assert.equal(await head(p, issued.bucket, issued.key), undefined, 'nothing stored');
    }

    const ok = await put(p, issued.put.url, signed, bytes);
    assert.equal(ok.status, 200, ok.body.toString());
    const stored = await head(p, issued.bucket, issued.key);
    assert.equal(stored?.ContentType, 'image/jpeg');
    assert.equal(stored?.ContentLength, bytes.length);
    assert.equal(stored?.ChecksumSHA256, issued.put.headers['x-amz-checksum-sha256']);

    // Without a declared size or digest only the type is signed; the configured limit is the row's maxSize.
    const loose = await issue(b, alice.token, { contentType: 'video/mp4' });
    assert.deepEqual(loose.put.headers, { 'content-type': 'video/mp4' });
    assert.match(loose.key, /\.mp4$/);
    assert.equal((await b.store.findUpload(loose.uploadId))?.maxSize, b.config.backend.uploads.maxBytes);
    const clip = Buffer.alloc(3000, 1);
    assert.equal((await put(p, loose.put.url, loose.put.headers, clip)).status, 200);
    assert.equal((await head(p, loose.bucket, loose.key))?.ContentLength, clip.length);

    // The operator may issue for any registered device, paired or not.
    await b.call('POST', '/v1/devices', { token: b.operatorToken, body: { deviceId: 'cam-2' } });
    const byOperator = await issue(b, b.operatorToken, { contentType: 'image/png' }, 'cam-2');
    assert.match(byOperator.key, /^devices\/cam-2\/upl_.+\.png$/);
    assert.equal((await b.store.findUpload(byOperator.uploadId))?.userId, undefined);
  },
);

backendTest('refused upload requests are clear 4xx errors and change nothing', async (_t, b) => {
  const alice = await owner(b);
  const bob = await owner(b, 'bob', 'cam-b');
  await b.call('POST', '/v1/devices', { token: b.operatorToken, body: { deviceId: 'cam-unpaired' } });
  const before = await b.store.countRows();
  const max = b.config.backend.uploads.maxBytes;
  const cases: [string, string | undefined, unknown, number, string][] = [
    ['/v1/devices/cam-b/uploads', alice.token, { contentType: 'image/jpeg' }, 404, 'NOT_FOUND'],
    ['/v1/devices/cam-1/uploads', bob.token, { contentType: 'image/jpeg' }, 404, 'NOT_FOUND'],
    ['/v1/devices/cam-unpaired/uploads', alice.token, { contentType: 'image/jpeg' }, 404, 'NOT_FOUND'],
    ['/v1/devices/cam-nope/uploads', alice.token, { contentType: 'image/jpeg' }, 404, 'NOT_FOUND'],
    ['/v1/devices/cam-nope/uploads', b.operatorToken, { contentType: 'image/jpeg' }, 404, 'NOT_FOUND'],
    ['/v1/devices/cam+1/uploads', alice.token, { contentType: 'image/jpeg' }, 400, 'DEVICE_ID_INVALID'],
    [
      '/v1/devices/cam-1/uploads',
      alice.token,
      { contentType: 'image/jpeg', size: max + 1 },
      413,
      'UPLOAD_TOO_LARGE',
    ],
    [
      '/v1/devices/cam-1/uploads',
      alice.token,
      { contentType: 'text/html' },
      415,
      'UPLOAD_CONTENT_TYPE_NOT_ALLOWED',
    ],
    [
      '/v1/devices/cam-1/uploads',
      alice.token,
      { contentType: 'image/jpeg; charset=utf-8' },
      415,
      'UPLOAD_CONTENT_TYPE_NOT_ALLOWED',
    ],
    [
      '/v1/devices/cam-1/uploads',
      alice.token,
      { contentType: 'image/jpeg', size: 0 },
      400,
      'VALIDATION_FAILED',
    ],
    [
      '/v1/devices/cam-1/uploads',
      alice.token,
      { contentType: 'image/jpeg', size: 1.5 },
      400,
      'VALIDATION_FAILED',
    ],
    [
      '/v1/devices/cam-1/uploads',
      alice.token,
      { contentType: 'image/jpeg', sha256: 'abc' },
      400,
      'VALIDATION_FAILED',
    ],
    [
      '/v1/devices/cam-1/uploads',
      alice.token,
      { contentType: 'image/jpeg', bucket: 'x' },
      400,
      'VALIDATION_FAILED',
    ],
    ['/v1/devices/cam-1/uploads', alice.token, {}, 400, 'VALIDATION_FAILED'],
    ['/v1/devices/cam-1/uploads', alice.token, '{"contentType":', 400, 'VALIDATION_FAILED'],
    ['/v1/devices/cam-1/uploads', undefined, { contentType: 'image/jpeg' }, 401, 'AUTH_REQUIRED'],
  ];
  for (const [url, token, body, status, code] of cases) {
    const res = await b.call('POST', url, { ...(token === undefined ? {} : { token }), body });
    assert.equal(res.statusCode, status, `${url} ${JSON.stringify(body)}: ${res.body}`);
    assert.equal(errorCode(res), code, `${url} ${JSON.stringify(body)}`);
  }
  assert.deepEqual(await b.store.countRows(), before);
});

backendTest(
  'media API: paging, pre-signed GET, delete; only the current owner sees uploads',
  async (t, b) => {
    const p = await peers(t, b);
    const alice = await owner(b);
    const bob = await b.user('bob');
    const bytes = Buffer.from('photo bytes');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await issue(b, alice.token, { contentType: 'image/jpeg', size: bytes.length })).uploadId);
      b.clock.advance(1000);
    }
    // The oldest upload is stored and marked done, as reconciliation would.
    const doneId = ids[0] ?? '';
    const done = await b.store.findUpload(doneId);
    assert.ok(done);
    const signedPut = await b.services.presigner.presign({
      method: 'PUT',
      bucket: done.bucket,
      key: done.key,
      expiresInSeconds: 60,
      contentType: done.contentType,
    });
    assert.equal((await put(p, signedPut.url, signedPut.headers, bytes)).status, 200);
    const url = b.services.objects.objectUrl(done.bucket, done.key);
    const capturedAt = b.clock.now().getTime() - 60_000;
    assert.equal(
      await b.store.completeUpload(doneId, {
        size: bytes.length,
        sha256: sha256(bytes),
        url,
        capturedAt,
        completedAt: b.clock.now().getTime(),
      }),
      'completed',
    );

    const seen: UploadBody[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const res = await b.call('GET', `/v1/devices/cam-1/uploads?limit=2${query}`, { token: alice.token });
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json<{ uploads: UploadBody[]; next: string | null }>();
      assert.ok(page.uploads.length <= 2);
      seen.push(...page.uploads);
      cursor = page.next;
    } while (cursor !== null);
    assert.deepEqual(
      seen.map((u) => u.uploadId),
      [...ids].reverse(),
    );
    const doneView = seen.find((u) => u.uploadId === doneId);
    assert.equal(doneView?.status, 'done');
    assert.equal(doneView?.size, bytes.length);
    assert.equal(doneView?.sha256, sha256(bytes));
    assert.equal(doneView?.capturedAt, new Date(capturedAt).toISOString());
    assert.equal(doneView?.url, url);
    assert.ok(doneView?.get);
    assert.equal(seen.filter((u) => u.get !== undefined).length, 1, 'only done uploads carry a GET URL');

    const doneOnly = await b.call('GET', '/v1/devices/cam-1/uploads?status=done', { token: alice.token });
    assert.deepEqual(
      doneOnly.json<{ uploads: UploadBody[] }>().uploads.map((u) => u.uploadId),
      [doneId],
    );
    const one = await b.call('GET', `/v1/uploads/${doneId}`, { token: alice.token });
    assert.equal(one.statusCode, 200);
    const view = one.json<{ upload: UploadBody }>().upload;
    assert.deepEqual({ ...view, get: undefined }, { ...doneView, get: undefined });
    const download = await rawRequest(p.agent, view.get?.url ?? '', { method: 'GET' });
    assert.equal(download.status, 200);
    assert.deepEqual(download.body, bytes);

    for (const [query, why] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['status=deleted', 'status'],
      ['cursor=%%%', 'cursor'],
      [`cursor=${Buffer.from('{"createdAt":"x"}').toString('base64url')}`, 'cursor'],
      ['colour=red', 'unknown key'],
    ]) {
      const res = await b.call('GET', `/v1/devices/cam-1/uploads?${query}`, { token: alice.token });
      assert.equal(errorCode(res), 'VALIDATION_FAILED', why);
    }

    // Another user sees none of it; the state does not change.
    const before = await b.store.countRows();
    for (const [method, path] of [
      ['GET', '/v1/devices/cam-1/uploads'],
      ['GET', `/v1/uploads/${doneId}`],
      ['DELETE', `/v1/uploads/${doneId}`],
      ['GET', '/v1/uploads/upl_unknown'],
    ] as const) {
      const res = await b.call(method, path, { token: bob.token });
      assert.equal(errorCode(res), 'NOT_FOUND', `${method} ${path}`);
    }
    assert.deepEqual(await b.store.countRows(), before);
    assert.ok(await head(p, done.bucket, done.key));

    // A pending upload whose URL still works cannot be deleted (an object could land afterwards).
    const pendingId = ids[4] ?? '';
    const early = await b.call('DELETE', `/v1/uploads/${pendingId}`, { token: alice.token });
    assert.equal(errorCode(early), 'CONFLICT');

    const deleted = await b.call('DELETE', `/v1/uploads/${doneId}`, { token: alice.token });
    assert.equal(deleted.statusCode, 204, deleted.body);
    assert.equal(await head(p, done.bucket, done.key), undefined);
    assert.equal(
      errorCode(await b.call('DELETE', `/v1/uploads/${doneId}`, { token: alice.token })),
      'NOT_FOUND',
    );
    assert.equal(
      errorCode(await b.call('GET', `/v1/uploads/${doneId}`, { token: alice.token })),
      'NOT_FOUND',
    );
    const rest = await b.call('GET', '/v1/devices/cam-1/uploads', { token: alice.token });
    assert.equal(rest.json<{ uploads: UploadBody[] }>().uploads.length, 4);

    // Ownership follows the device: once it is bob's, bob sees its uploads and alice does not.
    assert.equal(await b.store.unlinkUserDevice(alice.id, 'cam-1'), true);
    assert.equal(await b.store.linkUserDevice(bob.id, 'cam-1', b.clock.now().getTime()), 'linked');
    assert.equal(
      errorCode(await b.call('GET', `/v1/uploads/${pendingId}`, { token: alice.token })),
      'NOT_FOUND',
    );
    assert.equal((await b.call('GET', `/v1/uploads/${pendingId}`, { token: bob.token })).statusCode, 200);
    const operatorView = await b.call('GET', `/v1/uploads/${pendingId}`, { token: b.operatorToken });
    assert.equal(operatorView.statusCode, 200);
  },
);

const COS_KEY = {
  accessKeyId: 'AKIDcamlinkcostest0000000001',
  secretAccessKey: 'camlink-cos-test-secret-key-0001',
};

backendTest(
  'COS presigner: the embedded store accepts the COS-signed PUT and refuses another length',
  async (t, b) => {
    const p = await peers(t, b);
    await p.s3.send(new CreateBucketCommand({ Bucket: 'camlink-media-1250000000' }));
    const alice = await owner(b);
    const bytes = Buffer.from('cos photo');
    const issued = await issue(b, alice.token, { contentType: 'image/jpeg', size: bytes.length });
    const target = new URL(issued.put.url);
    assert.equal(target.pathname, `/camlink-media-1250000000/${issued.key}`);
    assert.equal(target.searchParams.get('q-sign-algorithm'), 'sha1');
    assert.equal(target.searchParams.get('q-header-list'), 'content-length;content-type;host');
    const signed = issued.put.headers;
    const longer = await put(p, issued.put.url, signed, Buffer.concat([bytes, bytes]));
    assert.equal(longer.status, 403);
    assert.equal(await head(p, 'camlink-media-1250000000', issued.key), undefined);
    assert.equal((await put(p, issued.put.url, signed, bytes)).status, 200);
    const stored = await head(p, 'camlink-media-1250000000', issued.key);
    assert.equal(stored?.ContentType, 'image/jpeg');
    assert.equal(stored?.ContentLength, bytes.length);
    // COS cannot check a SHA-256 on PUT: the digest is not signed (docs/uploads.md).
    const withDigest = await issue(b, alice.token, { contentType: 'image/jpeg', sha256: sha256(bytes) });
    assert.deepEqual(withDigest.put.headers, { 'content-type': 'image/jpeg' });
  },
  {
    storage: { accessKeys: [COS_KEY] },
    backend: (endpoints) => ({
      presigner: 'cos',
      cos: {
        appId: '1250000000',
        region: 'ap-shanghai',
        secretId: COS_KEY.accessKeyId,
        secretKey: COS_KEY.secretAccessKey,
        endpoint: endpoints.s3,
      },
    }),
  },
);
