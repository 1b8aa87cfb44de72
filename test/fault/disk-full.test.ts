/**
 * Disk full on the object store: the store runs on a 1 MiB tmpfs (mounted by the test; this machine
 * and CI run as root, a refused mount fails the test with the reason). A PUT that cannot fit is refused
 * before its body is read; a PUT that fits when it starts but meets a full disk mid-body gets the same
 * clean S3 error, its temp file is removed, nothing partial is listed, earlier objects still read back
 * intact, and once space is freed the same PUT succeeds.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import { readdir, unlink, writeFile } from 'node:fs/promises';
import { request, type Agent } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { createS3Presigner } from '../../src/presign/s3.js';
import { s3Code } from '../helpers/https.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY, startTestStore } from '../helpers/storage.js';
import { mountTmpfs } from '../helpers/tmpfs.js';

const KIB = 1024;

/** A PUT with a pre-signed URL whose body is sent only when `send` says so (or never). */
function signedPut(
  agent: Agent,
  url: string,
  length: number,
): {
  sendBody: (body: Buffer) => void;
  response: Promise<{ status: number; body: string }>;
} {
  const target = new URL(url);
  const req = request({
    agent,
    host: '127.0.0.1',
    port: target.port,
    servername: 'localhost',
    method: 'PUT',
    path: `${target.pathname}${target.search}`,
    headers: { 'content-length': length, 'content-type': 'image/jpeg' },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    // A server that answers early and closes may reset a body still being written: the answer counts.
    req.on('error', (err) => setImmediate(() => reject(err)));
  });
  req.flushHeaders();
  return { sendBody: (body) => req.end(body), response };
}

const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

test('disk full: a clean 507 InsufficientStorage, no partial object, earlier objects intact, PUT works once space is freed', async (t) => {
  const tmpfs = await mountTmpfs('1m');
  const storeDir = join(tmpfs.dir, 'store');
  const { server, client, agent } = await startTestStore(t, { storeDir });
  t.after(() => tmpfs.unmount());
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'media' }));
  const tmp = join(storeDir, 'buckets', 'media', 'tmp');

  const earlier = randomBytes(100 * KIB);
  await s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'earlier.jpg', Body: earlier }));
  const presigner = createS3Presigner({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  });
  const presign = (key: string) =>
    presigner.presign({
      method: 'PUT',
      bucket: 'media',
      key,
      expiresInSeconds: 300,
      contentType: 'image/jpeg',
    });

  // 1. Larger than the free space: refused before a byte of the body is read.
  const tooBig = signedPut(agent, (await presign('too-big.jpg')).url, 2 * 1024 * KIB);
  const refused = await tooBig.response;
  assert.equal(refused.status, 507, refused.body);
  assert.equal(s3Code(Buffer.from(refused.body)), 'InsufficientStorage');
  assert.match(refused.body, /<Message>Your proposed upload of 2097152 bytes does not fit/);

  // 2. Fits when it starts; the disk fills up (another writer) once the store opened its temp file.
  const body = randomBytes(400 * KIB);
  const tempCreated = new Promise<void>((resolve) => {
    const watcher = watch(tmp, () => {
      watcher.close();
      resolve();
    });
  });
  const midway = signedPut(agent, (await presign('midway.jpg')).url, body.length);
  await tempCreated;
  const filler = join(tmpfs.dir, 'filler');
  await writeFile(filler, Buffer.alloc(1024 * KIB)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOSPC') throw err; // it fills whatever was left: that is the point
  });
  midway.sendBody(body);
  const full = await midway.response;
  assert.equal(full.status, 507, full.body);
  assert.equal(s3Code(Buffer.from(full.body)), 'InsufficientStorage');
  assert.match(full.body, /ran out of disk space/);
  await server.settled();

  // Nothing of the failed uploads is on disk or listed; the earlier object is whole.
  assert.deepEqual(await readdir(tmp), [], 'the temp file was removed');
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'media' }));
  assert.deepEqual(
    listed.Contents?.map((c) => [c.Key, c.Size]),
    [['earlier.jpg', earlier.length]],
  );
  const got = await s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'earlier.jpg' }));
  assert.equal(sha256(await got.Body!.transformToByteArray()), sha256(earlier));

  // 3. Space is freed: the same upload goes through and reads back intact.
  await unlink(filler);
  const again = signedPut(agent, (await presign('midway.jpg')).url, body.length);
  again.sendBody(body);
  const ok = await again.response;
  assert.equal(ok.status, 200, ok.body);
  const back = await s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'midway.jpg' }));
  assert.equal(sha256(await back.Body!.transformToByteArray()), sha256(body));
});
