/**
 * ListMultipartUploads (S3 API Reference) through @aws-sdk/client-s3: uploads in progress by key, with
 * prefix and key/upload-id markers; completed and aborted uploads are gone; a delimiter and
 * ListObjectVersions (this store does not version) are refused with NotImplemented, never answered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
} from '@aws-sdk/client-s3';
import { startTestStore } from '../helpers/storage.js';

const errorName = (name: string) => (err: unknown) => err instanceof Error && err.name === name;

test('ListMultipartUploads lists and pages uploads in progress; DeleteBucket waits for them', async (t) => {
  const { client } = await startTestStore(t);
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'media' }));
  const ids: Record<string, string> = {};
  for (const key of ['b/2.mp4', 'a/1.mp4', 'c/3.mp4']) {
    ids[key] =
      (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'media', Key: key }))).UploadId ?? '';
  }
  const all = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'media' }));
  assert.deepEqual(
    all.Uploads?.map((u) => [u.Key, u.UploadId]),
    [
      ['a/1.mp4', ids['a/1.mp4']],
      ['b/2.mp4', ids['b/2.mp4']],
      ['c/3.mp4', ids['c/3.mp4']],
    ],
  );
  assert.equal(all.IsTruncated, false);
  assert.ok(all.Uploads?.every((u) => u.Initiated instanceof Date));

  const first = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'media', MaxUploads: 2 }));
  assert.equal(first.IsTruncated, true);
  assert.equal(first.NextKeyMarker, 'b/2.mp4');
  const next = await s3.send(
    new ListMultipartUploadsCommand({
      Bucket: 'media',
      KeyMarker: first.NextKeyMarker,
      UploadIdMarker: first.NextUploadIdMarker,
    }),
  );
  assert.deepEqual(
    next.Uploads?.map((u) => u.Key),
    ['c/3.mp4'],
  );
  const prefixed = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'media', Prefix: 'b/' }));
  assert.deepEqual(
    prefixed.Uploads?.map((u) => u.Key),
    ['b/2.mp4'],
  );

  await assert.rejects(
    s3.send(new ListMultipartUploadsCommand({ Bucket: 'media', Delimiter: '/' })),
    errorName('NotImplemented'),
  );
  await assert.rejects(
    s3.send(new ListObjectVersionsCommand({ Bucket: 'media' })),
    errorName('NotImplemented'),
  );
  await assert.rejects(
    s3.send(new ListMultipartUploadsCommand({ Bucket: 'nope' })),
    errorName('NoSuchBucket'),
  );

  await assert.rejects(s3.send(new DeleteBucketCommand({ Bucket: 'media' })), errorName('BucketNotEmpty'));
  for (const [Key, UploadId] of Object.entries(ids)) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'media', Key, UploadId }));
  }
  assert.deepEqual((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'media' }))).Uploads ?? [], []);
  await s3.send(new DeleteBucketCommand({ Bucket: 'media' }));
});
