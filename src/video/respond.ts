/** JSON answers of the Kinesis Video surfaces: body, length and request id. */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import { isKvsError, KvsError } from './errors.js';

export type JsonObject = Record<string, unknown>;

export function sendJson(res: ServerResponse, status: number, requestId: string, body: JsonObject): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

/** A failure as KVS answers it: x-amzn-ErrorType and the JSON body; anything unexpected is logged. */
export function sendKvsError(res: ServerResponse, requestId: string, err: unknown, logger?: Logger): void {
  const kvsError = isKvsError(err) ? err : new KvsError('InternalFailure', 'Internal failure.');
  if (!isKvsError(err)) logger?.error({ err, requestId }, 'video request failed');
  if (res.headersSent || res.destroyed) return;
  if (kvsError.status === 413) res.setHeader('connection', 'close');
  res.setHeader('x-amzn-errortype', kvsError.type);
  sendJson(res, kvsError.status, requestId, kvsError.body());
}
