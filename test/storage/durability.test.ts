/**
 * Durability and input limits of the store: an upload aborted mid-body leaves nothing visible and no
 * temp file; leftovers of a crash are removed or quarantined at start; digests and sizes are checked with S3's codes;
 * signed aws-chunked bodies are verified chunk by chunk over the wire.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { DiskStore } from '../../src/storage/disk-layout.js';
import { createS3Presigner } from '../../src/presign/s3.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY, startTestStore } from '../helpers/storage.js';
import { rawRequest, s3Code } from '../helpers/https.js';
import { signedChunkedBody, signHeaders } from '../helpers/sigv4-sign.js';

async function bucketFiles(storeDir: string, bucket: string): Promise<Record<string, string[]>> {
  const dir = join(storeDir, 'buckets', bucket);
  const out: Record<string, string[]> = {};
  for (const sub of ['meta', 'data', 'tmp']) out[sub] = await readdir(join(dir, sub));
  return out;
}

test('a PUT aborted mid-body leaves no object, no data file and no temp file', async (t) => {
  const { server, client, agent, storeDir } = await startTestStore(t);
  await client().send(new CreateBucketCommand({ Bucket: 'uploads' }));
  const presigner = createS3Presigner({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  });
  const put = await presigner.presign({
    method: 'PUT',
    bucket: 'uploads',
    key: 'partial.jpg',
    expiresInSeconds: 60,
  });
  const url = new URL(put.url);
  await new Promise<void>((resolve) => {
    const req = request({
      agent,
      host: '127.0.0.1',
      port: url.port,
      method: 'PUT',
      path: `${url.pathname}${url.search}`,
      headers: { 'content-length': 10 * 1024 * 1024, expect: '100-continue' },
    });
    req.on('error', () => resolve());
    // The server answers 100 Continue as it hands the request to the store, so the upload is in flight.
    req.on('continue', () => {
      req.write(randomBytes(1024 * 1024), () => req.destroy());
    });
  });
  await server.settled();
  const listed = await client().send(new ListObjectsV2Command({ Bucket: 'uploads' }));
  assert.equal(listed.KeyCount, 0);
  assert.deepEqual(await bucketFiles(storeDir, 'uploads'), { meta: [], data: [], tmp: [] });
});

test("leftovers of a crash at start: a gone process's temp files are removed, unreferenced data is quarantined (never deleted); committed objects survive", async (t) => {
  const { client, storeDir } = await startTestStore(t);
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'bk1' }));
  await s3.send(new PutObjectCommand({ Bucket: 'bk1', Key: 'kept.txt', Body: 'kept' }));
  const dir = join(storeDir, 'buckets', 'bk1');
  // Temp files are named <pid>-<process start>-<rand>; 4194305 is above Linux's largest pid_max.
  await writeFile(join(dir, 'tmp', '4194305-12345-0123456789abcdef'), 'half an upload');
  const orphan = `${'0'.repeat(64)}-0123456789abcdef`;
  await writeFile(join(dir, 'data', orphan), 'renamed but never committed');
  const anHourAgo = new Date(Date.now() - 3_600_000);
  await utimes(join(dir, 'data', orphan), anHourAgo, anHourAgo);
  const reopened = new DiskStore(storeDir);
  const report = await reopened.init();
  const files = await bucketFiles(storeDir, 'bk1');
  assert.equal(files.tmp?.length, 0);
  assert.equal(files.data?.length, 1);
  assert.equal(files.meta?.length, 1);
  assert.deepEqual(await readdir(join(dir, 'quarantine')), [`data.${orphan}`]);
  assert.equal(report.quarantined, 1);
  assert.equal(reopened.getObject('bk1', 'kept.txt')?.size, 4);
});

test('keys with "..", leading "/" and odd characters stay inside the bucket; NUL and long keys are refused', async (t) => {
  const { client, storeDir, server, agent } = await startTestStore(t);
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'keys' }));
  for (const key of ['../../escape.txt', '/abs/path.txt', 'a/./b/../c', 'ünï/çødé (1).bin']) {
    await s3.send(new PutObjectCommand({ Bucket: 'keys', Key: key, Body: key }));
  }
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'keys' }));
  assert.deepEqual(
    listed.Contents?.map((c) => c.Key),
    ['../../escape.txt', '/abs/path.txt', 'a/./b/../c', 'ünï/çødé (1).bin'],
  );
  assert.deepEqual((await readdir(storeDir)).sort(), ['buckets']);
  assert.deepEqual((await readdir(join(storeDir, 'buckets'))).sort(), ['keys']);

  const now = new Date();
  const nul = signHeaders(
    'PUT',
    `127.0.0.1:${server.port}`,
    '/keys/a%00b',
    {},
    createHash('sha256').update('x').digest('hex'),
    now,
  );
  const res = await rawRequest(agent, `${server.url}/keys/a%00b`, {
    method: 'PUT',
    headers: nul.headers,
    body: 'x',
  });
  assert.equal(s3Code(res.body), 'InvalidArgument');
  const longKey = 'k'.repeat(1025);
  try {
    await s3.send(new PutObjectCommand({ Bucket: 'keys', Key: longKey, Body: 'x' }));
    assert.fail('a 1025-byte key was accepted');
  } catch (err) {
    assert.ok(err instanceof S3ServiceException);
    assert.equal(err.name, 'KeyTooLongError');
  }
});

test('size and digest checks: EntityTooLarge, BadDigest (Content-MD5, CRC32), XAmzContentSHA256Mismatch, MetadataTooLarge', async (t) => {
  const { client, server, agent, storeDir } = await startTestStore(t, { limits: { maxObjectBytes: 1000 } });
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'lim' }));
  const code = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (err) {
      return err instanceof S3ServiceException ? `${err.name} ${err.$metadata.httpStatusCode}` : String(err);
    }
    return 'ok';
  };
  assert.equal(
    await code(s3.send(new PutObjectCommand({ Bucket: 'lim', Key: 'big', Body: randomBytes(1001) }))),
    'EntityTooLarge 400',
  );
  assert.equal(
    await code(s3.send(new PutObjectCommand({ Bucket: 'lim', Key: 'ok', Body: randomBytes(1000) }))),
    'ok',
  );
  assert.equal(
    await code(
      s3.send(
        new PutObjectCommand({
          Bucket: 'lim',
          Key: 'md5',
          Body: 'abc',
          ContentMD5: createHash('md5').update('abd').digest('base64'),
        }),
      ),
    ),
    'BadDigest 400',
  );
  assert.equal(
    await code(
      s3.send(new PutObjectCommand({ Bucket: 'lim', Key: 'crc', Body: 'abc', ChecksumCRC32: 'AAAAAA==' })),
    ),
    'BadDigest 400',
  );
  assert.equal(
    await code(
      s3.send(
        new PutObjectCommand({
          Bucket: 'lim',
          Key: 'meta',
          Body: 'abc',
          Metadata: { big: 'x'.repeat(2100) },
        }),
      ),
    ),
    'MetadataTooLarge 400',
  );
  const wrongHash = signHeaders(
    'PUT',
    `127.0.0.1:${server.port}`,
    '/lim/sha',
    {},
    createHash('sha256').update('other').digest('hex'),
    new Date(),
  );
  const res = await rawRequest(agent, `${server.url}/lim/sha`, {
    method: 'PUT',
    headers: wrongHash.headers,
    body: 'abc',
  });
  assert.equal(res.status, 400);
  assert.equal(s3Code(res.body), 'XAmzContentSHA256Mismatch');
  await server.settled();
  const files = await bucketFiles(storeDir, 'lim');
  assert.deepEqual(
    { meta: files.meta?.length, data: files.data?.length, tmp: files.tmp },
    { meta: 1, data: 1, tmp: [] },
  );
});

test('signed aws-chunked upload over the wire (STREAMING-AWS4-HMAC-SHA256-PAYLOAD); a forged chunk is refused', async (t) => {
  const { client, server, agent } = await startTestStore(t);
  await client().send(new CreateBucketCommand({ Bucket: 'chunks' }));
  const chunks = [randomBytes(65_536), randomBytes(65_536), randomBytes(1000)];
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const send = (forge: boolean) => {
    const signed = signHeaders(
      'PUT',
      `127.0.0.1:${server.port}`,
      '/chunks/signed.bin',
      { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(total) },
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      new Date(),
    );
    const body = signedChunkedBody(chunks, signed.key, signed.date, signed.scope, signed.signature);
    if (forge) body[200] = (body[200] ?? 0) ^ 1;
    return rawRequest(agent, `${server.url}/chunks/signed.bin`, {
      method: 'PUT',
      headers: { ...signed.headers, 'content-length': String(body.length) },
      body,
    });
  };
  const ok = await send(false);
  assert.equal(ok.status, 200, ok.body.toString());
  assert.equal(ok.headers.etag, `"${createHash('md5').update(Buffer.concat(chunks)).digest('hex')}"`);
  const forged = await send(true);
  assert.equal(forged.status, 403);
  assert.equal(s3Code(forged.body), 'SignatureDoesNotMatch');
});

test('Expect: 100-continue is answered only after authentication: a bad signature gets 403 before the body', async (t) => {
  const { server, client, agent } = await startTestStore(t);
  await client().send(new CreateBucketCommand({ Bucket: 'expect' }));
  const presigner = createS3Presigner({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'not-the-secret-key-at-all-000000' },
  });
  const put = await presigner.presign({ method: 'PUT', bucket: 'expect', key: 'x', expiresInSeconds: 60 });
  const url = new URL(put.url);
  const outcome = await new Promise<{ continued: boolean; status: number }>((resolve, reject) => {
    let continued = false;
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port: url.port,
        method: 'PUT',
        path: `${url.pathname}${url.search}`,
        headers: { 'content-length': 1024, expect: '100-continue' },
      },
      (res) => {
        res.resume();
        resolve({ continued, status: res.statusCode ?? 0 });
        req.destroy();
      },
    );
    req.on('continue', () => (continued = true));
    req.on('error', reject);
  });
  assert.deepEqual(outcome, { continued: false, status: 403 });
});
