/**
 * ListBuckets, CreateBucket, HeadBucket, DeleteBucket and ListObjectsV2 (S3 API Reference). Listing
 * walks the in-memory key index in UTF-8 binary order, groups by delimiter into CommonPrefixes, and
 * pages with an opaque continuation token (the last key or prefix returned, base64url).
 */
import { queryValue, type S3RequestContext, type StorageContext } from './context.js';
import { validateBucketName } from './keys.js';
import { sendEmpty, sendXml } from './respond.js';
import { S3Error } from './s3-errors.js';
import { compareUtf8 } from './disk-layout.js';

const OWNER = { ID: 'camlink', DisplayName: 'camlink' };

export function listBuckets(storage: StorageContext, ctx: S3RequestContext): void {
  sendXml(ctx.res, 200, 'ListAllMyBucketsResult', {
    Owner: OWNER,
    Buckets: { Bucket: storage.store.listBuckets().map((b) => ({ Name: b.name, CreationDate: b.created })) },
  });
}

export async function createBucket(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
): Promise<void> {
  validateBucketName(bucket);
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new S3Error('MalformedXML', 'CreateBucketConfiguration is too large');
  }
  await storage.store.createBucket(bucket, storage.clock.now());
  sendEmpty(ctx.res, 200, { location: `/${bucket}` });
}

export function headBucket(storage: StorageContext, ctx: S3RequestContext, bucket: string): void {
  if (!storage.store.hasBucket(bucket)) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucket });
  sendEmpty(ctx.res, 200, { 'x-amz-bucket-region': storage.region });
}

export async function deleteBucket(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
): Promise<void> {
  await storage.store.deleteBucket(bucket);
  sendEmpty(ctx.res, 204);
}

function decodeToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (token === '' || Buffer.from(key, 'utf8').toString('base64url') !== token) {
    throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', {
      ArgumentName: 'continuation-token',
    });
  }
  return key;
}

export function listObjectsV2(storage: StorageContext, ctx: S3RequestContext, bucket: string): void {
  if (!storage.store.hasBucket(bucket)) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucket });
  const prefix = queryValue(ctx, 'prefix') ?? '';
  const delimiter = queryValue(ctx, 'delimiter') ?? '';
  const maxKeysRaw = queryValue(ctx, 'max-keys') ?? '1000';
  if (!/^\d{1,9}$/.test(maxKeysRaw)) {
    throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', {
      ArgumentName: 'max-keys',
    });
  }
  const maxKeys = Math.min(1000, Number(maxKeysRaw));
  const encodingType = queryValue(ctx, 'encoding-type');
  if (encodingType !== undefined && encodingType !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', {
      ArgumentName: 'encoding-type',
    });
  }
  const token = queryValue(ctx, 'continuation-token');
  const startAfter = queryValue(ctx, 'start-after');
  const after = token !== undefined ? decodeToken(token) : (startAfter ?? '');
  const encode = (value: string) => (encodingType === 'url' ? encodeURIComponent(value) : value);

  const contents: { Key: string; LastModified: string; ETag: string; Size: number; StorageClass: string }[] =
    [];
  const prefixes: string[] = [];
  let last: string | undefined;
  let truncated = false;
  for (const key of storage.store.sortedKeys(bucket)) {
    if (!key.startsWith(prefix) || (after !== '' && compareUtf8(key, after) <= 0)) continue;
    let common: string | undefined;
    if (delimiter !== '') {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) common = key.slice(0, at + delimiter.length);
    }
    if (common !== undefined && (prefixes.at(-1) === common || (after !== '' && after.startsWith(common))))
      continue;
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (common !== undefined) {
      prefixes.push(common);
      last = common;
    } else {
      const meta = storage.store.getObject(bucket, key);
      if (meta === undefined) continue;
      contents.push({
        Key: encode(key),
        LastModified: meta.lastModified,
        ETag: `"${meta.etag}"`,
        Size: meta.size,
        StorageClass: 'STANDARD',
      });
      last = key;
    }
  }
  sendXml(ctx.res, 200, 'ListBucketResult', {
    Name: bucket,
    Prefix: encode(prefix),
    Delimiter: delimiter === '' ? undefined : encode(delimiter),
    MaxKeys: maxKeys,
    KeyCount: contents.length + prefixes.length,
    IsTruncated: truncated,
    EncodingType: encodingType,
    ContinuationToken: token,
    NextContinuationToken:
      truncated && last !== undefined ? Buffer.from(last, 'utf8').toString('base64url') : undefined,
    StartAfter: startAfter === undefined ? undefined : encode(startAfter),
    Contents: contents,
    CommonPrefixes: prefixes.map((p) => ({ Prefix: encode(p) })),
  });
}
