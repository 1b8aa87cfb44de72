/**
 * The HTTP side of the KVS control plane (restJson1): `POST /<operation>` with a JSON body of at most
 * the configured size, SigV4 for service "kinesisvideo" over the buffered body (a claimed
 * x-amz-content-sha256 must be the body's), an optional authorization hook, then the operation.
 * Errors carry `x-amzn-ErrorType` and a JSON message body (errors.ts). Authentication failures are
 * answered as the AWS front end answers them for KVS: UnrecognizedClientException for an unknown key,
 * InvalidSignatureException for a wrong signature or a request outside the clock skew, 403 each.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CredentialRecord, CredentialStore } from '../auth/credentials.js';
import { authenticateKvs, signatureMismatch } from './auth.js';
import { sendJson, sendKvsError } from './respond.js';
import { BodyTooLargeError, readBody, sigv4RequestOf } from '../http/aws-request.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import { runOperation, streamOf, type ControlPlaneContext, type JsonObject } from './control-plane.js';
import { KvsError, invalidArgument } from './errors.js';
import { operationByPath, type OperationName } from './requests.js';
import type { StreamRef } from './store.js';

/** Decides whether a verified caller may run an operation; false answers NotAuthorizedException (401). */
export type VideoAuthorizer = (request: {
  credential: CredentialRecord;
  operation: OperationName;
  stream: StreamRef;
}) => boolean;

export interface VideoHandlerOptions extends ControlPlaneContext {
  region: string;
  credentials: CredentialStore;
  clock: Clock;
  clockSkewSeconds: number;
  maxRequestBytes: number;
  /** Default: every known key may run every operation. */
  authorize?: VideoAuthorizer;
  logger?: Logger;
}

export function createVideoHandler(
  options: VideoHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = randomUUID();
    handle(req, options).then(
      (body) => sendJson(res, 200, requestId, body),
      (err: unknown) => sendKvsError(res, requestId, err, options.logger),
    );
  };
}

async function handle(req: IncomingMessage, options: VideoHandlerOptions): Promise<JsonObject> {
  let body: Buffer;
  try {
    body = await readBody(req, options.maxRequestBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      throw new KvsError(
        'RequestEntityTooLargeException',
        `The request body is larger than the limit of ${err.limit} bytes.`,
      );
    }
    throw err;
  }
  const request = sigv4RequestOf(req, body);
  const { credential, payloadHash } = authenticateKvs(request, options);
  // The verifier takes a non-S3 payload hash from x-amz-content-sha256 when the client sends one;
  // KVS signs the body itself, so a claimed hash must be the body's.
  if (payloadHash !== request.bodySha256) throw signatureMismatch();
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const operation = operationByPath.get(path);
  if (req.method !== 'POST' || operation === undefined) {
    throw new KvsError('UnknownOperationException', `No operation ${req.method ?? ''} ${path}.`);
  }
  let json: unknown = {};
  if (body.length > 0) {
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw invalidArgument('The request body is not valid JSON.');
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalidArgument('The request body must be a JSON object.');
  }
  if (options.authorize && !options.authorize({ credential, operation, stream: streamOf(json) })) {
    throw new KvsError('NotAuthorizedException', `The caller is not authorized to perform ${operation}.`);
  }
  const result = runOperation(operation, json, options);
  options.logger?.debug({ operation }, 'video control plane');
  return result;
}
