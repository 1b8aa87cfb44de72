/**
 * The official @aws-sdk/client-s3 (default configuration: CRC32 request checksums, aws-chunked streams,
 * response checksum validation) against the embedded store over HTTPS, path style and virtual-host style.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { startTestStore } from '../helpers/storage.js';

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return err instanceof S3ServiceException ? `${err.name} ${err.$metadata.httpStatusCode}` : String(err);
  }
  return 'no error';
}

test('SDK: create/head bucket, put (Buffer), head, get (full, range), list, delete', async (t) => {
  const { client } = await startTestStore(t);
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
  await s3.send(new HeadBucketCommand({ Bucket: 'photos' }));
  assert.equal(await errorName(s3.send(new HeadBucketCommand({ Bucket: 'missing' }))), 'NotFound 404');
  assert.equal(
    await errorName(s3.send(new CreateBucketCommand({ Bucket: 'photos' }))),
    'BucketAlreadyOwnedByYou 409',
  );

  const body = randomBytes(100_000);
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: 'photos',
      Key: 'cam-1/ünï çødé+(1).jpg',
      Body: body,
      ContentType: 'image/jpeg',
      Metadata: { capturedat: '2026-11-26T12:00:00Z' },
    }),
  );
  assert.equal(put.ETag, `"${md5(body)}"`);
  assert.ok(put.ChecksumCRC32);

  const head = await s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'cam-1/ünï çødé+(1).jpg' }));
  assert.equal(head.ContentLength, body.length);
  assert.equal(head.ContentType, 'image/jpeg');
  assert.equal(head.ETag, `"${md5(body)}"`);
  assert.deepEqual(head.Metadata, { capturedat: '2026-11-26T12:00:00Z' });

  const get = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'cam-1/ünï çødé+(1).jpg' }));
  assert.ok(get.Body);
  assert.ok(Buffer.from(await get.Body.transformToByteArray()).equals(body));
  assert.equal(get.ChecksumCRC32, put.ChecksumCRC32);

  const range = await s3.send(
    new GetObjectCommand({ Bucket: 'photos', Key: 'cam-1/ünï çødé+(1).jpg', Range: 'bytes=10-19' }),
  );
  assert.equal(range.ContentRange, `bytes 10-19/${body.length}`);
  assert.ok(range.Body);
  assert.ok(Buffer.from(await range.Body.transformToByteArray()).equals(body.subarray(10, 20)));

  for (const key of ['cam-1/b.jpg', 'cam-2/a.jpg', 'cam-2/b.jpg', 'top.txt']) {
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: key, Body: key }));
  }
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'photos', Delimiter: '/' }));
  assert.deepEqual(
    listed.CommonPrefixes?.map((p) => p.Prefix),
    ['cam-1/', 'cam-2/'],
  );
  assert.deepEqual(
    listed.Contents?.map((c) => c.Key),
    ['top.txt'],
  );
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: 'photos', MaxKeys: 2, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((c) => c.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token !== undefined);
  assert.deepEqual(keys, ['cam-1/b.jpg', 'cam-1/ünï çødé+(1).jpg', 'cam-2/a.jpg', 'cam-2/b.jpg', 'top.txt']);
  const prefixed = await s3.send(new ListObjectsV2Command({ Bucket: 'photos', Prefix: 'cam-2/' }));
  assert.equal(prefixed.KeyCount, 2);

  await s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'top.txt' }));
  assert.equal(
    await errorName(s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'top.txt' }))),
    'NoSuchKey 404',
  );
  assert.equal(
    await errorName(s3.send(new GetObjectCommand({ Bucket: 'nope', Key: 'x' }))),
    'NoSuchBucket 404',
  );
});

test('SDK: put with a stream (aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER, CRC32 trailer) and CRC32C, SHA-256, SHA-1 trailers', async (t) => {
  const { client } = await startTestStore(t);
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'videos' }));
  const chunks = Array.from({ length: 40 }, () => randomBytes(50_000));
  const whole = Buffer.concat(chunks);
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: 'videos',
      Key: 'clip.mp4',
      Body: Readable.from(chunks),
      ContentLength: whole.length,
    }),
  );
  assert.equal(put.ETag, `"${md5(whole)}"`);
  const get = await s3.send(new GetObjectCommand({ Bucket: 'videos', Key: 'clip.mp4' }));
  assert.ok(get.Body);
  assert.ok(Buffer.from(await get.Body.transformToByteArray()).equals(whole));

  for (const algorithm of ['CRC32C', 'SHA256', 'SHA1'] as const) {
    const key = `clip-${algorithm}.mp4`;
    await s3.send(
      new PutObjectCommand({
        Bucket: 'videos',
        Key: key,
        Body: Readable.from(chunks),
        ContentLength: whole.length,
        ChecksumAlgorithm: algorithm,
      }),
    );
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'videos', Key: key, ChecksumMode: 'ENABLED' }),
    );
    assert.equal(head.ContentLength, whole.length);
    if (algorithm === 'SHA256')
      assert.equal(head.ChecksumSHA256, createHash('sha256').update(whole).digest('base64'));
  }
});

test('SDK: virtual-host-style addressing (bucket.s3.localhost)', async (t) => {
  const { client, server } = await startTestStore(t, { virtualHostDomains: ['s3.localhost'] });
  const s3 = client({ endpoint: server.url.replace('127.0.0.1', 's3.localhost'), forcePathStyle: false });
  await s3.send(new CreateBucketCommand({ Bucket: 'vhost' }));
  await s3.send(new PutObjectCommand({ Bucket: 'vhost', Key: 'a/b.txt', Body: 'hello' }));
  const get = await s3.send(new GetObjectCommand({ Bucket: 'vhost', Key: 'a/b.txt' }));
  assert.equal(await get.Body?.transformToString(), 'hello');
  const pathStyle = client();
  const again = await pathStyle.send(new GetObjectCommand({ Bucket: 'vhost', Key: 'a/b.txt' }));
  assert.equal(await again.Body?.transformToString(), 'hello');
});

test('SDK: a COS host the store serves is signed for the COS region (S3-compatible COS API)', async (t) => {
  const { client, server } = await startTestStore(t, {
    region: 'cn-north-1',
    virtualHostDomains: ['cos.ap-shanghai.myqcloud.com'],
  });
  const endpoint = server.url.replace('127.0.0.1', 'cos.ap-shanghai.myqcloud.com');
  const cos = client({ endpoint, region: 'ap-shanghai', forcePathStyle: false });
  await cos.send(new CreateBucketCommand({ Bucket: 'media-1250000000' }));
  await cos.send(new PutObjectCommand({ Bucket: 'media-1250000000', Key: 'a.txt', Body: 'hi' }));
  const got = await cos.send(new GetObjectCommand({ Bucket: 'media-1250000000', Key: 'a.txt' }));
  assert.equal(await got.Body?.transformToString(), 'hi');
  // Signed for the store's own region on the COS host: refused, as COS refuses another region.
  const wrong = client({ endpoint, region: 'cn-north-1', forcePathStyle: false });
  await assert.rejects(
    wrong.send(new GetObjectCommand({ Bucket: 'media-1250000000', Key: 'a.txt' })),
    (err: Error) => err.name === 'AuthorizationHeaderMalformed',
  );
  // The store's own (path-style) address keeps the store's region.
  const own = client({ region: 'cn-north-1' });
  assert.equal(
    await (
      await own.send(new GetObjectCommand({ Bucket: 'media-1250000000', Key: 'a.txt' }))
    ).Body?.transformToString(),
    'hi',
  );
});
