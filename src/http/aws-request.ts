/**
 * Incoming HTTP requests as the AWS-compatible surfaces need them: the body read with a hard size
 * limit (the socket is not drained past it), and the request in the shape SigV4 verification takes.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseQuery } from '../auth/sigv4/encoding.js';
import { headersFromRaw } from '../auth/sigv4/headers.js';
import type { SigV4Request } from '../auth/sigv4/verify.js';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`);
  }
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sigv4RequestOf(req: IncomingMessage, body: Buffer): SigV4Request {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: req.method ?? 'GET',
    rawPath: q < 0 ? url : url.slice(0, q),
    query: parseQuery(q < 0 ? '' : url.slice(q + 1)),
    headers: headersFromRaw(req.rawHeaders),
    bodySha256: createHash('sha256').update(body).digest('hex'),
  };
}
