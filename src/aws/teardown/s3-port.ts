/**
 * The S3 side of teardown over @aws-sdk/client-s3. Version and upload listings page with two markers
 * (key, and version id / upload id); they travel here as one JSON token.
 */
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { hasErrorName } from '../service-error.js';
import type { S3Port } from './ports.js';

interface Markers {
  key: string | undefined;
  id: string | undefined;
}

function decode(token: string | undefined): Markers {
  if (token === undefined) return { key: undefined, id: undefined };
  return JSON.parse(token) as Markers;
}

function encode(truncated: boolean | undefined, key: string | undefined, id: string | undefined) {
  return truncated === true ? JSON.stringify({ key, id }) : undefined;
}

export function sdkS3Port(s3: S3Client): S3Port {
  return {
    async bucketExists(Bucket) {
      try {
        await s3.send(new HeadBucketCommand({ Bucket }));
        return true;
      } catch (err) {
        if (hasErrorName(err, 'NotFound', 'NoSuchBucket')) return false;
        throw err;
      }
    },
    async listObjectVersions(Bucket, token) {
      const m = decode(token);
      const out = await s3.send(
        new ListObjectVersionsCommand({ Bucket, KeyMarker: m.key, VersionIdMarker: m.id }),
      );
      const entries = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])];
      return {
        items: entries.map((v) => ({ key: v.Key ?? '', versionId: v.VersionId })),
        next: encode(out.IsTruncated, out.NextKeyMarker, out.NextVersionIdMarker),
      };
    },
    async listObjects(Bucket, ContinuationToken) {
      const out = await s3.send(new ListObjectsV2Command({ Bucket, ContinuationToken }));
      return {
        items: (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', versionId: undefined })),
        next: out.IsTruncated === true ? out.NextContinuationToken : undefined,
      };
    },
    async deleteObject(Bucket, object) {
      await s3.send(new DeleteObjectCommand({ Bucket, Key: object.key, VersionId: object.versionId }));
    },
    async listMultipartUploads(Bucket, token) {
      const m = decode(token);
      const out = await s3.send(
        new ListMultipartUploadsCommand({ Bucket, KeyMarker: m.key, UploadIdMarker: m.id }),
      );
      return {
        items: (out.Uploads ?? []).map((u) => ({ key: u.Key ?? '', uploadId: u.UploadId ?? '' })),
        next: encode(out.IsTruncated, out.NextKeyMarker, out.NextUploadIdMarker),
      };
    },
    async abortMultipartUpload(Bucket, upload) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: upload.key, UploadId: upload.uploadId }));
    },
    async deleteBucket(Bucket) {
      await s3.send(new DeleteBucketCommand({ Bucket }));
    },
  };
}
