/** Multipart upload with the official SDK: parts, ListParts, Complete (md5-of-md5s-N ETag), Abort, limits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  S3ServiceException,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startTestStore } from '../helpers/storage.js';

const MIB = 1024 * 1024;

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return err instanceof S3ServiceException ? err.name : String(err);
  }
  return 'no error';
}

async function upload(
  s3: S3Client,
  key: string,
  parts: Buffer[],
): Promise<{ uploadId: string; etags: string[] }> {
  const created = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: 'videos',
      Key: key,
      ContentType: 'video/mp4',
      Metadata: { cam: '1' },
    }),
  );
  const uploadId = created.UploadId ?? '';
  const etags: string[] = [];
  for (const [i, body] of parts.entries()) {
    const res = await s3.send(
      new UploadPartCommand({
        Bucket: 'videos',
        Key: key,
        UploadId: uploadId,
        PartNumber: i + 1,
        Body: body,
      }),
    );
    etags.push(res.ETag ?? '');
  }
  return { uploadId, etags };
}

test('multipart: upload parts, list them, complete; ETag is md5 of the part md5s with -N', async (t) => {
  const { client } = await startTestStore(t);
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'videos' }));
  const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB), randomBytes(1000)];
  const { uploadId, etags } = await upload(s3, 'clips/long.mp4', parts);

  const listed = await s3.send(
    new ListPartsCommand({ Bucket: 'videos', Key: 'clips/long.mp4', UploadId: uploadId }),
  );
  assert.deepEqual(
    listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]),
    parts.map((p, i) => [i + 1, p.length, etags[i]]),
  );
  const before = await s3.send(new ListObjectsV2Command({ Bucket: 'videos' }));
  assert.equal(before.KeyCount, 0, 'an unfinished upload is not an object');

  const done = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: 'videos',
      Key: 'clips/long.mp4',
      UploadId: uploadId,
      MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }),
  );
  const md5s = Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()));
  assert.equal(done.ETag, `"${createHash('md5').update(md5s).digest('hex')}-3"`);

  const head = await s3.send(new HeadObjectCommand({ Bucket: 'videos', Key: 'clips/long.mp4' }));
  assert.equal(head.ContentLength, 10 * MIB + 1000);
  assert.equal(head.ContentType, 'video/mp4');
  assert.deepEqual(head.Metadata, { cam: '1' });
  const get = await s3.send(new GetObjectCommand({ Bucket: 'videos', Key: 'clips/long.mp4' }));
  const body = Buffer.from((await get.Body?.transformToByteArray()) ?? []);
  assert.ok(body.equals(Buffer.concat(parts)));
  assert.equal(
    await errorCode(
      s3.send(new ListPartsCommand({ Bucket: 'videos', Key: 'clips/long.mp4', UploadId: uploadId })),
    ),
    'NoSuchUpload',
  );
});

test('multipart: small non-last part, wrong ETag, part order, part number range, abort', async (t) => {
  const { client, storeDir } = await startTestStore(t);
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'videos' }));
  const { uploadId, etags } = await upload(s3, 'x.mp4', [randomBytes(1000), randomBytes(1000)]);
  const complete = (parts: { ETag: string; PartNumber: number }[]) =>
    s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'videos',
        Key: 'x.mp4',
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  const [first = '', second = ''] = etags;
  assert.equal(
    await errorCode(
      complete([
        { ETag: first, PartNumber: 1 },
        { ETag: second, PartNumber: 2 },
      ]),
    ),
    'EntityTooSmall',
  );
  assert.equal(await errorCode(complete([{ ETag: second, PartNumber: 1 }])), 'InvalidPart');
  assert.equal(
    await errorCode(
      complete([
        { ETag: second, PartNumber: 2 },
        { ETag: first, PartNumber: 1 },
      ]),
    ),
    'InvalidPartOrder',
  );
  assert.equal(
    await errorCode(
      s3.send(
        new UploadPartCommand({
          Bucket: 'videos',
          Key: 'x.mp4',
          UploadId: uploadId,
          PartNumber: 10_001,
          Body: 'x',
        }),
      ),
    ),
    'InvalidArgument',
  );
  assert.equal(
    await errorCode(
      s3.send(
        new UploadPartCommand({
          Bucket: 'videos',
          Key: 'other.mp4',
          UploadId: uploadId,
          PartNumber: 1,
          Body: 'x',
        }),
      ),
    ),
    'NoSuchUpload',
  );
  await s3.send(new AbortMultipartUploadCommand({ Bucket: 'videos', Key: 'x.mp4', UploadId: uploadId }));
  assert.equal(await errorCode(complete([{ ETag: first, PartNumber: 1 }])), 'NoSuchUpload');
  assert.deepEqual(await readdir(join(storeDir, 'buckets', 'videos', 'multipart')), []);
  assert.deepEqual(await readdir(join(storeDir, 'buckets', 'videos', 'tmp')), []);
});
