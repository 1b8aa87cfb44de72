/**
 * Routes an HTTP request to an S3 operation (S3 API Reference, REST operations by method, resource and
 * sub-resource), after addressing (address.ts) and authentication (authenticate.ts). Sub-resources this
 * store does not implement answer NotImplemented rather than being mistaken for a plain GET or PUT.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseQuery } from '../auth/sigv4/encoding.js';
import { headersFromRaw } from '../auth/sigv4/headers.js';
import { resolveAddress } from './address.js';
import { authenticate } from './authenticate.js';
import { createBucket, deleteBucket, headBucket, listBuckets, listObjectsV2 } from './bucket-ops.js';
import { hasQuery, queryValue, type S3RequestContext, type StorageContext } from './context.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
} from './multipart-ops.js';
import { deleteObject, getObject, putObject } from './object-ops.js';
import { sendError } from './respond.js';
import { S3Error } from './s3-errors.js';

const UNSUPPORTED = [
  'acl',
  'policy',
  'cors',
  'lifecycle',
  'versioning',
  'versions',
  'versionId',
  'tagging',
  'website',
  'logging',
  'notification',
  'replication',
  'encryption',
  'object-lock',
  'retention',
  'legal-hold',
  'torrent',
  'restore',
  'select',
  'delete',
  'attributes',
  'accelerate',
  'analytics',
  'inventory',
  'metrics',
  'ownershipControls',
  'publicAccessBlock',
  'requestPayment',
];

export async function handleS3Request(
  storage: StorageContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', randomBytes(24).toString('base64'));
  res.setHeader('server', 'camlink');
  const method = (req.method ?? 'GET').toUpperCase();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  let resource = rawPath;
  const started = Date.now();
  try {
    const query = parseQuery(rawQuery);
    const headers = headersFromRaw(req.rawHeaders);
    const address = resolveAddress(req.headers.host, rawPath, storage.virtualHostDomains);
    resource = `/${address.bucket ?? ''}${address.key === undefined ? '' : `/${address.key}`}`;
    const auth = authenticate(storage, {
      method,
      rawPath,
      query,
      headers,
      bucket: address.bucket,
      key: address.key,
    });
    if (/^100-continue$/i.test(req.headers.expect ?? '')) res.writeContinue();
    const ctx: S3RequestContext = {
      req,
      res,
      method,
      rawPath,
      query,
      headers,
      bucket: address.bucket,
      key: address.key,
      requestId,
      auth,
    };
    await dispatch(storage, ctx);
    storage.logger.debug(
      { requestId, method, resource, status: res.statusCode, ms: Date.now() - started },
      's3 request',
    );
  } catch (err) {
    const error = err instanceof S3Error ? err : toS3Error(err);
    if (error.code === 'InternalError') {
      if (!error.logged) storage.logger.error({ requestId, method, resource, err }, 's3 internal error');
    } else if (error.code === 'InsufficientStorage')
      storage.logger.error(
        { requestId, method, resource, message: error.message },
        'the store is out of space',
      );
    else storage.logger.debug({ requestId, method, resource, code: error.code }, 's3 request refused');
    // Node detaches the socket once the response is done; a closed client gets no error document.
    const socket = req.socket as IncomingMessage['socket'] | null;
    if (res.destroyed || socket === null || socket.destroyed) return;
    const hasBody =
      (req.headers['content-length'] ?? '0') !== '0' || req.headers['transfer-encoding'] !== undefined;
    sendError(res, error, {
      resource,
      requestId,
      head: method === 'HEAD',
      bodyPending: hasBody && !req.complete,
    });
  }
}

function toS3Error(err: unknown): S3Error {
  const code = err instanceof Error && 'code' in err ? String(err.code) : '';
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') {
    return new S3Error('IncompleteBody', 'The client closed the connection before the body was complete');
  }
  // The disk (or the quota) filled up while the body was written: the temp file is gone already.
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new S3Error('InsufficientStorage', 'The store ran out of disk space while writing this object');
  }
  return new S3Error('InternalError');
}

async function dispatch(storage: StorageContext, ctx: S3RequestContext): Promise<void> {
  const { method, bucket, key } = ctx;
  const unsupported = UNSUPPORTED.find((name) => hasQuery(ctx, name));
  if (unsupported !== undefined)
    throw new S3Error('NotImplemented', `The ${unsupported} sub-resource is not implemented`);
  if (bucket === undefined) {
    if (method === 'GET') return listBuckets(storage, ctx);
    throw new S3Error('MethodNotAllowed');
  }
  if (key === undefined) {
    switch (method) {
      case 'PUT':
        return createBucket(storage, ctx, bucket);
      case 'HEAD':
        return headBucket(storage, ctx, bucket);
      case 'DELETE':
        return deleteBucket(storage, ctx, bucket);
      case 'GET':
        if (hasQuery(ctx, 'uploads')) return listMultipartUploads(storage, ctx, bucket);
        if (hasQuery(ctx, 'location')) {
          throw new S3Error('NotImplemented', 'GetBucketLocation is not implemented');
        }
        if (queryValue(ctx, 'list-type') !== '2') {
          throw new S3Error('NotImplemented', 'Only ListObjectsV2 (list-type=2) is implemented');
        }
        return listObjectsV2(storage, ctx, bucket);
      default:
        throw new S3Error('MethodNotAllowed');
    }
  }
  const uploadId = queryValue(ctx, 'uploadId');
  switch (method) {
    case 'PUT':
      return uploadId === undefined
        ? putObject(storage, ctx, bucket, key)
        : uploadPart(storage, ctx, bucket, key, uploadId);
    case 'GET':
      return uploadId === undefined
        ? getObject(storage, ctx, bucket, key, false)
        : listParts(storage, ctx, bucket, key, uploadId);
    case 'HEAD':
      return getObject(storage, ctx, bucket, key, true);
    case 'DELETE':
      return uploadId === undefined
        ? deleteObject(storage, ctx, bucket, key)
        : abortMultipartUpload(storage, ctx, bucket, key, uploadId);
    case 'POST':
      if (hasQuery(ctx, 'uploads')) return createMultipartUpload(storage, ctx, bucket, key);
      if (uploadId !== undefined) return completeMultipartUpload(storage, ctx, bucket, key, uploadId);
      throw new S3Error('MethodNotAllowed');
    default:
      throw new S3Error('MethodNotAllowed');
  }
}
