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
import { jsonObjectOf, readSignedBody } from './auth.js';
import { sendJson, sendKvsError } from './respond.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import { runOperation, streamOf, type ControlPlaneContext, type JsonObject } from './control-plane.js';
import { KvsError } from './errors.js';
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
  const { credential, body } = await readSignedBody(req, options);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const operation = operationByPath.get(path);
  if (req.method !== 'POST' || operation === undefined) {
    throw new KvsError('UnknownOperationException', `No operation ${req.method ?? ''} ${path}.`);
  }
  const json = jsonObjectOf(body);
  if (options.authorize && !options.authorize({ credential, operation, stream: streamOf(json) })) {
    throw new KvsError('NotAuthorizedException', `The caller is not authorized to perform ${operation}.`);
  }
  const result = runOperation(operation, json, options);
  options.logger?.debug({ operation }, 'video control plane');
  return result;
}
