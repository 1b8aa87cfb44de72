/** Writing S3 responses: XML bodies, S3 error documents, and the request id headers. */
import type { ServerResponse } from 'node:http';
import { errorXml, xmlDocument, type XmlNode } from './xml.js';
import type { S3Error } from './s3-errors.js';

export function sendXml(res: ServerResponse, status: number, root: string, node: XmlNode): void {
  const body = Buffer.from(xmlDocument(root, node), 'utf8');
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': body.length });
  res.end(body);
}

export function sendEmpty(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number> = {},
): void {
  res.writeHead(status, { ...headers, 'content-length': 0 });
  res.end();
}

/**
 * An S3 error document; HEAD answers carry no body. When the request body was not read (an early
 * rejection of a PUT) the connection is closed rather than drained.
 */
export function sendError(
  res: ServerResponse,
  error: S3Error,
  options: { resource: string; requestId: string; head: boolean; bodyPending: boolean },
): void {
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  const body = options.head
    ? Buffer.alloc(0)
    : Buffer.from(errorXml(error, options.resource, options.requestId), 'utf8');
  const headers: Record<string, string | number> = { 'content-length': body.length };
  if (!options.head) headers['content-type'] = 'application/xml';
  if (options.bodyPending) headers.connection = 'close';
  res.writeHead(error.status, headers);
  res.end(body);
}
