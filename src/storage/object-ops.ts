/**
 * PutObject, GetObject (with Range and conditional headers), HeadObject and DeleteObject (S3 API
 * Reference, "Operations"). Reads open the data file named by the sidecar; a concurrent overwrite
 * unlinks the old file only after the new sidecar is in place, so a reader retries once on ENOENT.
 * A data file that is missing or not the size its sidecar records answers 500 InternalError before any
 * header is sent, and a file that shrinks under a read cuts the response at once (never a short body
 * that leaves the client waiting for bytes that will not come); both are logged as STORAGE_OBJECT_DAMAGED.
 */
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { systemErrorCode } from '../errors/camlink-error.js';
import { header, queryValue, type S3RequestContext, type StorageContext } from './context.js';
import type { ObjectMeta } from './disk-layout.js';
import { validateKey } from './keys.js';
import { sendEmpty } from './respond.js';
import { S3Error } from './s3-errors.js';
import { checksumHeaders, receiveUpload } from './upload-body.js';

const CONTENT_HEADERS = [
  'content-encoding',
  'content-disposition',
  'cache-control',
  'content-language',
  'expires',
];

/** x-amz-meta-* headers, limited like S3 (2 KB of names and values by default). */
export function userMetadata(ctx: S3RequestContext, maxBytes: number): Record<string, string> {
  const out: Record<string, string> = {};
  let size = 0;
  for (const [name, values] of ctx.headers) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const value = values.join(',');
    const short = name.slice('x-amz-meta-'.length);
    size += Buffer.byteLength(short) + Buffer.byteLength(value);
    out[short] = value;
  }
  if (size > maxBytes) {
    throw new S3Error(
      'MetadataTooLarge',
      `Your metadata headers are ${size} bytes; the limit is ${maxBytes}`,
    );
  }
  return out;
}

export function contentHeaders(ctx: S3RequestContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CONTENT_HEADERS) {
    let value = header(ctx, name);
    if (name === 'content-encoding' && value !== undefined) {
      value = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '' && s !== 'aws-chunked')
        .join(',');
    }
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

export async function putObject(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
  key: string,
): Promise<void> {
  validateKey(key, storage.limits.maxKeyBytes);
  if (header(ctx, 'x-amz-copy-source') !== undefined)
    throw new S3Error('NotImplemented', 'CopyObject is not implemented');
  if (!storage.store.hasBucket(bucket)) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucket });
  const metadata = userMetadata(ctx, storage.limits.maxUserMetadataBytes);
  const body = await receiveUpload(storage, ctx, bucket, storage.limits.maxObjectBytes);
  const etag = body.md5.toString('hex');
  await storage.store.commit(
    bucket,
    {
      key,
      size: body.size,
      etag,
      lastModified: storage.clock.now().toISOString(),
      contentType: header(ctx, 'content-type') ?? 'binary/octet-stream',
      headers: contentHeaders(ctx),
      userMetadata: metadata,
      checksums: body.checksums,
    },
    body.tempPath,
  );
  const returned = body.requested ? { [body.requested]: body.checksums[body.requested] ?? '' } : {};
  sendEmpty(ctx.res, 200, { etag: `"${etag}"`, ...checksumHeaders(returned) });
}

export async function deleteObject(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
  key: string,
): Promise<void> {
  validateKey(key, storage.limits.maxKeyBytes);
  await storage.store.deleteObject(bucket, key);
  sendEmpty(ctx.res, 204);
}

interface ByteRange {
  start: number;
  end: number;
}

/** "bytes=a-b", "bytes=a-", "bytes=-n"; other forms (multiple ranges, other units) are ignored like S3. */
export function parseRange(value: string | undefined, size: number): ByteRange | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new S3Error('InvalidRange');
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start)
    throw new S3Error('InvalidRange', undefined, { RangeRequested: value, ActualObjectSize: String(size) });
  return { start, end };
}

/** If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since (RFC 9110 §13), as S3 applies them. */
function checkConditions(ctx: S3RequestContext, meta: ObjectMeta, get: boolean): 304 | undefined {
  const etag = `"${meta.etag}"`;
  const matches = (list: string) =>
    list.split(',').some((t) => t.trim() === '*' || t.trim() === etag || t.trim() === meta.etag);
  const modified = Math.floor(Date.parse(meta.lastModified) / 1000);
  const ifMatch = header(ctx, 'if-match');
  const ifNoneMatch = header(ctx, 'if-none-match');
  const ifUnmodified = header(ctx, 'if-unmodified-since');
  const ifModified = header(ctx, 'if-modified-since');
  if (ifMatch !== undefined && !matches(ifMatch))
    throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
  if (ifMatch === undefined && ifUnmodified !== undefined && modified > Date.parse(ifUnmodified) / 1000) {
    throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Unmodified-Since' });
  }
  if (ifNoneMatch !== undefined && matches(ifNoneMatch)) return 304;
  if (
    ifNoneMatch === undefined &&
    ifModified !== undefined &&
    get &&
    modified <= Date.parse(ifModified) / 1000
  )
    return 304;
  return undefined;
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

export async function getObject(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
  key: string,
  head: boolean,
): Promise<void> {
  validateKey(key, storage.limits.maxKeyBytes);
  const opened = await openData(storage, bucket, key, head);
  const { meta, handle } = opened;
  try {
    // A data file that is missing or not the recorded size is a prompt 500, never a short body.
    if (opened.size !== meta.size) damaged(storage, ctx, bucket, meta, opened.size);
    const notModified = checkConditions(ctx, meta, !head);
    const headers: Record<string, string | number> = {
      etag: `"${meta.etag}"`,
      'last-modified': new Date(meta.lastModified).toUTCString(),
      'accept-ranges': 'bytes',
      'content-type': meta.contentType,
      ...meta.headers,
    };
    for (const [name, value] of Object.entries(meta.userMetadata)) headers[`x-amz-meta-${name}`] = value;
    if (meta.partsCount !== undefined) headers['x-amz-mp-parts-count'] = meta.partsCount;
    for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
      const value = queryValue(ctx, param);
      if (value !== undefined) headers[name] = value;
    }
    if (notModified !== undefined) {
      ctx.res.writeHead(304, {
        etag: `"${meta.etag}"`,
        'last-modified': new Date(meta.lastModified).toUTCString(),
      });
      ctx.res.end();
      return;
    }
    const range = parseRange(header(ctx, 'range'), meta.size);
    if (range === undefined && header(ctx, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
      Object.assign(headers, checksumHeaders(meta.checksums));
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? meta.size - 1;
    const length = Math.max(0, end - start + 1);
    headers['content-length'] = length;
    if (range) headers['content-range'] = `bytes ${start}-${end}/${meta.size}`;
    ctx.res.writeHead(range ? 206 : 200, headers);
    if (head || handle === undefined || meta.size === 0) {
      ctx.res.end();
      return;
    }
    const stream = createReadStream('', {
      fd: handle.fd,
      start,
      end,
      highWaterMark: 1024 * 1024,
      autoClose: false,
    });
    try {
      await pipeline(stream, new LengthGuard(length), ctx.res);
    } catch (err) {
      // The file shrank under the read: the response is destroyed by now (the client sees it end).
      if (err instanceof ShortRead) damaged(storage, ctx, bucket, meta, start + err.received, true);
      throw err;
    }
  } finally {
    await handle?.close();
  }
}

/**
 * The sidecar and its data file: opened for GET, stat()ed for HEAD; size -1 when the file is missing.
 * A concurrent overwrite unlinks the old data file only after the new sidecar is in place, so a
 * missing file is looked up once more under the current sidecar.
 */
async function openData(
  storage: StorageContext,
  bucket: string,
  key: string,
  head: boolean,
): Promise<{ meta: ObjectMeta; handle: FileHandle | undefined; size: number }> {
  for (let attempt = 0; ; attempt++) {
    const meta = storage.store.getObject(bucket, key);
    if (meta === undefined) throw new S3Error('NoSuchKey', undefined, { Key: key });
    const path = storage.store.dataPath(bucket, meta);
    try {
      if (head) return { meta, handle: undefined, size: (await stat(path)).size };
      const handle = await open(path, 'r');
      try {
        return { meta, handle, size: (await handle.stat()).size };
      } catch (err) {
        await handle.close();
        throw err;
      }
    } catch (err) {
      if (systemErrorCode(err) !== 'ENOENT') throw err;
      if (attempt > 0 || storage.store.getObject(bucket, key) === meta) {
        return { meta, handle: undefined, size: -1 };
      }
    }
  }
}

/** Logs the damaged object (bucket, key, file, sizes) and answers 500 InternalError. */
function damaged(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
  meta: ObjectMeta,
  actual: number,
  midStream = false,
): never {
  storage.logger.error(
    {
      code: 'STORAGE_OBJECT_DAMAGED',
      requestId: ctx.requestId,
      bucket,
      objectKey: meta.key,
      file: storage.store.dataPath(bucket, meta),
      expectedSize: meta.size,
      ...(actual < 0 ? { missing: true } : { actualSize: actual }),
    },
    midStream
      ? 'the data file ended before the recorded size mid-response: the response was cut'
      : actual < 0
        ? 'the data file of an object is missing: answered 500 InternalError'
        : 'the data file of an object is not the recorded size: answered 500 InternalError',
  );
  const error = new S3Error('InternalError');
  error.logged = true;
  throw error;
}

/** A read that ended before `expected` bytes (the data file was truncated under it). */
class ShortRead extends Error {
  constructor(readonly received: number) {
    super(`the data file ended after ${received} bytes`);
  }
}

/** Passes bytes through and fails at the end when fewer than `expected` went by. */
class LengthGuard extends Transform {
  #received = 0;
  constructor(private readonly expected: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#received += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.#received < this.expected ? new ShortRead(this.#received) : null);
  }
}
