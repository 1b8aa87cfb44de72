/**
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts and
 * ListMultipartUploads (S3 API Reference; no delimiter grouping: a delimiter is NotImplemented). Limits: part numbers 1..maxParts (10,000), part size up to maxPartBytes (5 GiB),
 * every part but the last at least minPartBytes (5 MiB), checked at Complete like S3.
 */
import { header, queryValue, type S3RequestContext, type StorageContext } from './context.js';
import { validateKey } from './keys.js';
import { contentHeaders, userMetadata } from './object-ops.js';
import { sendEmpty, sendXml } from './respond.js';
import { S3Error } from './s3-errors.js';
import { checksumHeaders, receiveUpload } from './upload-body.js';
import { parseCompleteMultipartUpload } from './xml.js';
import { compareUtf8 } from './disk-layout.js';

const OWNER = { ID: 'camlink', DisplayName: 'camlink' };

const MAX_COMPLETE_BODY = 2 * 1024 * 1024;

function checksumElements(checksums: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(checksums).map(([alg, value]) => [`Checksum${alg.toUpperCase()}`, value]),
  );
}

export async function createMultipartUpload(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
  key: string,
): Promise<void> {
  validateKey(key, storage.limits.maxKeyBytes);
  const uploadId = await storage.multipart.create(bucket, {
    key,
    initiated: storage.clock.now().toISOString(),
    contentType: header(ctx, 'content-type') ?? 'binary/octet-stream',
    headers: contentHeaders(ctx),
    userMetadata: userMetadata(ctx, storage.limits.maxUserMetadataBytes),
  });
  sendXml(ctx.res, 200, 'InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId });
}

function partNumberOf(ctx: S3RequestContext, maxParts: number): number {
  const raw = queryValue(ctx, 'partNumber') ?? '';
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= maxParts)) {
    throw new S3Error(
      'InvalidArgument',
      `Part number must be an integer between 1 and ${maxParts}, inclusive`,
      {
        ArgumentName: 'partNumber',
        ArgumentValue: raw,
      },
    );
  }
  return n;
}

export async function uploadPart(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  validateKey(key, storage.limits.maxKeyBytes);
  const partNumber = partNumberOf(ctx, storage.limits.maxParts);
  await storage.multipart.get(bucket, uploadId, key);
  const body = await receiveUpload(storage, ctx, bucket, storage.limits.maxPartBytes);
  const etag = body.md5.toString('hex');
  await storage.multipart.putPart(
    bucket,
    uploadId,
    {
      partNumber,
      etag,
      size: body.size,
      lastModified: storage.clock.now().toISOString(),
      checksums: body.checksums,
    },
    body.tempPath,
  );
  const returned = body.requested ? { [body.requested]: body.checksums[body.requested] ?? '' } : {};
  sendEmpty(ctx.res, 200, { etag: `"${etag}"`, ...checksumHeaders(returned) });
}

async function readSmallBody(ctx: S3RequestContext, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new S3Error('MalformedXML', `The request body is larger than ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function completeMultipartUpload(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  validateKey(key, storage.limits.maxKeyBytes);
  const parts = parseCompleteMultipartUpload(
    await readSmallBody(ctx, MAX_COMPLETE_BODY),
    storage.limits.maxParts,
  );
  const { etag, checksums } = await storage.multipart.complete(
    bucket,
    uploadId,
    key,
    parts,
    storage.limits,
    storage.clock.now(),
  );
  sendXml(ctx.res, 200, 'CompleteMultipartUploadResult', {
    Location: `/${bucket}/${encodeURIComponent(key)}`,
    Bucket: bucket,
    Key: key,
    ETag: `"${etag}"`,
    ...checksumElements(checksums),
  });
}

export async function abortMultipartUpload(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  await storage.multipart.abort(bucket, uploadId, key);
  sendEmpty(ctx.res, 204);
}

export async function listParts(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  await storage.multipart.get(bucket, uploadId, key);
  const maxParts = Math.min(1000, Number(queryValue(ctx, 'max-parts') ?? 1000) || 1000);
  const marker = Number(queryValue(ctx, 'part-number-marker') ?? 0) || 0;
  const all = (await storage.multipart.listParts(bucket, uploadId)).filter((p) => p.partNumber > marker);
  const page = all.slice(0, maxParts);
  const truncated = all.length > page.length;
  sendXml(ctx.res, 200, 'ListPartsResult', {
    Bucket: bucket,
    Key: key,
    UploadId: uploadId,
    PartNumberMarker: marker,
    NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
    MaxParts: maxParts,
    IsTruncated: truncated,
    StorageClass: 'STANDARD',
    Part: page.map((p) => ({
      PartNumber: p.partNumber,
      LastModified: p.lastModified,
      ETag: `"${p.etag}"`,
      Size: p.size,
      ...checksumElements(p.checksums),
    })),
  });
}

export async function listMultipartUploads(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
): Promise<void> {
  if (queryValue(ctx, 'delimiter') !== undefined) {
    throw new S3Error('NotImplemented', 'ListMultipartUploads with a delimiter is not implemented');
  }
  const maxRaw = queryValue(ctx, 'max-uploads') ?? '1000';
  if (!/^\d{1,9}$/.test(maxRaw)) {
    throw new S3Error('InvalidArgument', 'Provided max-uploads not an integer or within integer range', {
      ArgumentName: 'max-uploads',
    });
  }
  const maxUploads = Math.min(1000, Number(maxRaw));
  const encodingType = queryValue(ctx, 'encoding-type');
  if (encodingType !== undefined && encodingType !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', {
      ArgumentName: 'encoding-type',
    });
  }
  const encode = (value: string) => (encodingType === 'url' ? encodeURIComponent(value) : value);
  const prefix = queryValue(ctx, 'prefix') ?? '';
  const keyMarker = queryValue(ctx, 'key-marker') ?? '';
  // S3 ignores upload-id-marker without key-marker.
  const uploadIdMarker = keyMarker === '' ? undefined : queryValue(ctx, 'upload-id-marker');
  let all = (await storage.multipart.listUploads(bucket)).filter((u) => u.key.startsWith(prefix));
  if (keyMarker !== '') {
    const at =
      uploadIdMarker === undefined
        ? -1
        : all.findIndex((u) => u.key === keyMarker && u.uploadId === uploadIdMarker);
    all =
      at >= 0
        ? all.slice(at + 1)
        : all.filter((u) =>
            uploadIdMarker === undefined
              ? compareUtf8(u.key, keyMarker) > 0
              : compareUtf8(u.key, keyMarker) >= 0,
          );
  }
  const page = all.slice(0, maxUploads);
  const truncated = all.length > page.length;
  const last = page.at(-1);
  sendXml(ctx.res, 200, 'ListMultipartUploadsResult', {
    Bucket: bucket,
    KeyMarker: encode(keyMarker),
    UploadIdMarker: uploadIdMarker ?? '',
    NextKeyMarker: truncated && last !== undefined ? encode(last.key) : undefined,
    NextUploadIdMarker: truncated && last !== undefined ? last.uploadId : undefined,
    Prefix: encode(prefix),
    EncodingType: encodingType,
    MaxUploads: maxUploads,
    IsTruncated: truncated,
    Upload: page.map((u) => ({
      Key: encode(u.key),
      UploadId: u.uploadId,
      Initiator: OWNER,
      Owner: OWNER,
      StorageClass: 'STANDARD',
      Initiated: u.initiated,
    })),
  });
}
