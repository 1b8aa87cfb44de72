/**
 * The object store's start-up scan and damaged objects (issue 24, findings 2, 3, 4, 8).
 *
 * - A second DiskStore.init on a live store (what a second `camlink up` on the same data dir ran)
 *   deletes nothing: neither while PUTs commit around it, nor the data file of a commit caught between
 *   its data rename and its sidecar.
 * - A missing sidecar: the intact data file is quarantined, not deleted, and restoreQuarantined()
 *   makes it the object again with its size, ETag and checksums.
 * - A corrupt sidecar: the start goes on, every other object is served, a log line names the file.
 * - A data file shorter than its sidecar says: GET, ranged GET and HEAD answer 500 InternalError at
 *   once, and a file that shrinks under a GET cuts the response instead of leaving the client waiting.
 *
 * No timers: the damaged-object tests are bounded by their own timeout (the old behaviour held the
 * connection for the 65 s keep-alive timeout).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { request, type Agent } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createLogger } from '../../src/log/logger.js';
import { createS3Presigner } from '../../src/presign/s3.js';
import { DiskStore, keyHash } from '../../src/storage/disk-layout.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY, startTestStore, type TestStore } from '../helpers/storage.js';

const BUCKET = 'scan';
const AN_HOUR_AGO = (): Date => new Date(Date.now() - 3_600_000);

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A logger whose JSON lines land in `lines` (to assert what the scan reported). */
function capturingLogger(lines: Record<string, unknown>[]) {
  return createLogger(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
}

async function s3Error(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3ServiceException) return `${err.name} ${err.$metadata.httpStatusCode}`;
    throw err;
  }
  return 'ok';
}

async function getBytes(s3: S3Client, key: string): Promise<Uint8Array> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return got.Body!.transformToByteArray();
}

function dataFileOf(store: TestStore, key: string): string {
  const meta = store.server.store.getObject(BUCKET, key);
  assert.ok(meta, `${key} is stored`);
  return store.server.store.dataPath(BUCKET, meta);
}

test('a second DiskStore.init on a live store deletes nothing, while PUTs commit around it', async (t) => {
  const store = await startTestStore(t);
  const s3 = store.client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const dir = join(store.storeDir, 'buckets', BUCKET);

  // A commit caught between its data rename and its sidecar, done by hand the way commit() does it.
  const pending = `${keyHash('pending.bin')}-0123456789abcdef`;
  await writeFile(join(dir, 'data', pending), 'bytes of a commit under way');
  const second = new DiskStore(store.storeDir);
  const report = await second.init();
  assert.deepEqual(await readdir(join(dir, 'data')), [pending], 'the young data file is left in place');
  assert.equal(report.leftInPlace, 1);

  // Live PUTs with scans running against them; every acknowledged object must read back whole.
  const bodies = new Map<string, Buffer>();
  for (let i = 0; i < 120; i++) bodies.set(`k/${i}.bin`, randomBytes(2048 + i));
  let putting = true;
  let scans = 0;
  const scanner = (async () => {
    while (putting) {
      await new DiskStore(store.storeDir).init();
      scans++;
    }
  })();
  const keys = [...bodies.keys()];
  for (let i = 0; i < keys.length; i += 8) {
    await Promise.all(
      keys
        .slice(i, i + 8)
        .map((key) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bodies.get(key) }))),
    );
  }
  putting = false;
  await scanner;
  t.diagnostic(`${scans} scans ran during ${keys.length} PUTs`);
  assert.ok(scans > 0);
  for (const [key, body] of bodies) {
    assert.equal(sha256(await getBytes(s3, key)), sha256(body), `${key} reads back whole`);
  }
  const onDisk = new Set(await readdir(join(dir, 'data')));
  for (const key of keys) {
    const file = store.server.store.getObject(BUCKET, key)?.dataFile ?? '';
    assert.ok(onDisk.has(file), `the data file of ${key} is still on disk`);
  }
  assert.ok(onDisk.has(pending), 'the pending commit is still there');
});

test('a missing sidecar: the data file is quarantined (not deleted) and restoreQuarantined makes it the object again', async (t) => {
  const first = await startTestStore(t);
  const s3 = first.client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const body = randomBytes(70_000);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cam/1.jpg', Body: body }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cam/2.jpg', Body: 'other' }));
  const dataFile = dataFileOf(first, 'cam/1.jpg');
  const name = dataFile.split('/').pop() ?? '';
  const dir = join(first.storeDir, 'buckets', BUCKET);
  await unlink(join(dir, 'meta', `${keyHash('cam/1.jpg')}.json`));

  // Young: left where it is (a commit may be under way), and said so.
  const lines: Record<string, unknown>[] = [];
  const young = new DiskStore(first.storeDir, { logger: capturingLogger(lines) });
  const report = await young.init();
  assert.ok((await readdir(join(dir, 'data'))).includes(name), 'the data file is still there');
  assert.equal(report.leftInPlace, 1);
  assert.ok(lines.some((l) => l.code === 'STORAGE_DATA_UNREFERENCED' && l.file === dataFile));

  // Older than the safety age: moved to quarantine with a log line naming it, never deleted.
  await utimes(dataFile, AN_HOUR_AGO(), AN_HOUR_AGO());
  lines.length = 0;
  // A restart on the same store dir (the first server is idle: its in-memory index plays no part).
  const second = await startTestStore(t, { storeDir: first.storeDir, logger: capturingLogger(lines) });
  const s3b = second.client();
  assert.deepEqual(await readdir(join(dir, 'quarantine')), [`data.${name}`]);
  assert.ok(
    lines.some(
      (l) =>
        l.code === 'STORAGE_DATA_UNREFERENCED' && l.quarantined === join(dir, 'quarantine', `data.${name}`),
    ),
  );
  assert.ok(lines.some((l) => l.msg === 'object store scan done: objects loaded, files quarantined'));
  assert.equal(
    await s3Error(s3b.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cam/1.jpg' }))),
    'NotFound 404',
  );
  assert.equal((await getBytes(s3b, 'cam/2.jpg')).length, 5);

  const quarantined = await second.server.store.listQuarantined(BUCKET);
  assert.equal(quarantined.length, 1);
  assert.equal(quarantined[0]?.kind, 'data');
  assert.equal(quarantined[0]?.keyHash, keyHash('cam/1.jpg'));
  assert.equal(quarantined[0]?.size, body.length);

  const restored = await second.server.store.restoreQuarantined(BUCKET, 'cam/1.jpg', {
    contentType: 'image/jpeg',
    userMetadata: { camera: 'cam' },
  });
  assert.equal(restored?.size, body.length);
  assert.equal(await second.server.store.restoreQuarantined(BUCKET, 'cam/1.jpg', {}), undefined);
  const got = await s3b.send(
    new GetObjectCommand({ Bucket: BUCKET, Key: 'cam/1.jpg', ChecksumMode: 'ENABLED' }),
  );
  const bytes = await got.Body!.transformToByteArray();
  assert.equal(sha256(bytes), sha256(body));
  assert.equal(got.ETag, `"${createHash('md5').update(body).digest('hex')}"`);
  assert.equal(got.ChecksumSHA256, createHash('sha256').update(body).digest('base64'));
  assert.equal(got.ContentType, 'image/jpeg');
  assert.deepEqual(got.Metadata, { camera: 'cam' });
  assert.deepEqual(await readdir(join(dir, 'quarantine')), []);
  assert.deepEqual(await second.server.store.listQuarantined(BUCKET), []);
});

test('corrupt sidecars: the start goes on, the rest is served, the log lines name the files', async (t) => {
  const first = await startTestStore(t);
  const s3 = first.client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (let i = 0; i < 20; i++)
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `o/${i}`, Body: `body ${i}` }));
  const dir = join(first.storeDir, 'buckets', BUCKET);
  const sidecar = join(dir, 'meta', `${keyHash('o/7')}.json`);
  await writeFile(sidecar, ''); // a torn write: "Unexpected end of JSON input", as in the finding
  const schemaBad = join(dir, 'meta', `${keyHash('o/8')}.json`);
  await writeFile(schemaBad, JSON.stringify({ key: 'o/8', size: -1 }));

  const lines: Record<string, unknown>[] = [];
  const second = await startTestStore(t, { storeDir: first.storeDir, logger: capturingLogger(lines) });
  const s3b = second.client();
  const corrupt = lines.filter((l) => l.code === 'STORAGE_SIDECAR_CORRUPT');
  const torn = corrupt.find((l) => l.file === sidecar);
  assert.ok(torn, 'a STORAGE_SIDECAR_CORRUPT line names the torn sidecar');
  assert.match(String(torn.reason), /Unexpected end of JSON input/);
  assert.equal(torn.quarantined, join(dir, 'quarantine', `meta.${keyHash('o/7')}.json`));
  assert.ok(corrupt.some((l) => l.file === schemaBad && /not a sidecar/.test(String(l.reason))));
  const listed = await s3b.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  assert.equal(listed.KeyCount, 18);
  for (let i = 0; i < 20; i++) {
    if (i === 7 || i === 8) continue;
    assert.equal(Buffer.from(await getBytes(s3b, `o/${i}`)).toString(), `body ${i}`);
  }
  assert.equal(
    await s3Error(s3b.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'o/7' }))),
    'NoSuchKey 404',
  );
  // The quarantined sidecar is kept as it was, for an operator (or camlink fsck) to look at.
  assert.equal(
    await readFile(join(dir, 'quarantine', `meta.${keyHash('o/8')}.json`), 'utf8'),
    JSON.stringify({ key: 'o/8', size: -1 }),
  );
});

test(
  'a data file shorter than its sidecar: GET, ranged GET and HEAD answer 500 InternalError at once',
  { timeout: 60_000 },
  async (t) => {
    const lines: Record<string, unknown>[] = [];
    const store = await startTestStore(t, { logger: capturingLogger(lines) });
    const s3 = store.client();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'short.jpg', Body: randomBytes(100_000) }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'gone.jpg', Body: randomBytes(1000) }));
    const shortFile = dataFileOf(store, 'short.jpg');
    await truncate(shortFile, 50_000);
    await rename(dataFileOf(store, 'gone.jpg'), `${dataFileOf(store, 'gone.jpg')}.moved`);

    assert.equal(
      await s3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'short.jpg' }))),
      'InternalError 500',
    );
    assert.equal(
      await s3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'short.jpg', Range: 'bytes=0-99' }))),
      'InternalError 500',
    );
    assert.match(
      await s3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'short.jpg' }))),
      / 500$/,
    );
    assert.equal(
      await s3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'gone.jpg' }))),
      'InternalError 500',
    );
    const damaged = lines.filter((l) => l.code === 'STORAGE_OBJECT_DAMAGED');
    assert.ok(
      damaged.some((l) => l.file === shortFile && l.objectKey === 'short.jpg' && l.bucket === BUCKET),
    );
    assert.ok(damaged.some((l) => l.objectKey === 'gone.jpg' && l.missing === true));
  },
);

test(
  'a data file that shrinks under a GET cuts the response at once instead of leaving the client waiting',
  { timeout: 60_000 },
  async (t) => {
    const lines: Record<string, unknown>[] = [];
    const store = await startTestStore(t, { logger: capturingLogger(lines) });
    const s3 = store.client();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const size = 32 * 1024 * 1024;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big.bin', Body: randomBytes(size) }));
    const file = dataFileOf(store, 'big.bin');
    const presigner = createS3Presigner({
      region: 'us-east-1',
      endpoint: store.server.url,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    });
    const { url } = await presigner.presign({
      method: 'GET',
      bucket: BUCKET,
      key: 'big.bin',
      expiresInSeconds: 60,
    });
    const outcome = await shrinkDuringGet(store.agent, url, () => truncate(file, 0));
    assert.equal(outcome.status, 200);
    assert.equal(outcome.contentLength, size);
    assert.equal(outcome.complete, false, 'the response was cut, not ended as if whole');
    assert.ok(outcome.received < size);
    assert.ok(lines.some((l) => l.code === 'STORAGE_OBJECT_DAMAGED' && l.file === file));
  },
);

/** GETs `url`, runs `shrink` after the first body chunk, and reports how the response ended. */
function shrinkDuringGet(
  agent: Agent,
  url: string,
  shrink: () => Promise<void>,
): Promise<{ status: number; contentLength: number; received: number; complete: boolean }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: '127.0.0.1', port: target.port, path: `${target.pathname}${target.search}` },
      (res) => {
        let received = 0;
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            contentLength: Number(res.headers['content-length']),
            received,
            complete: res.complete,
          });
        res.once('data', (chunk: Buffer) => {
          received += chunk.length;
          res.pause();
          shrink().then(() => {
            res.on('data', (c: Buffer) => (received += c.length));
            res.resume();
          }, reject);
        });
        res.on('close', done);
        res.on('error', () => undefined); // 'aborted' surfaces as an error, then close
      },
    );
    req.on('error', () => undefined);
    req.end();
  });
}
