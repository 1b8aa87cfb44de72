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
import { AuthError } from '../auth/sigv4/errors.js';
import { verifySigV4 } from '../auth/sigv4/verify.js';
import { BodyTooLargeError, readBody, sigv4RequestOf } from '../http/aws-request.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import { runOperation, streamOf, type ControlPlaneContext, type JsonObject } from './control-plane.js';
import { KvsError, invalidArgument, isKvsError } from './errors.js';
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
      (body) => send(res, 200, requestId, body),
      (err: unknown) => {
        const kvsError = isKvsError(err) ? err : new KvsError('InternalFailure', 'Internal failure.');
        if (!isKvsError(err)) options.logger?.error({ err, requestId }, 'video request failed');
        if (kvsError.status === 413) res.setHeader('connection', 'close');
        res.setHeader('x-amzn-errortype', kvsError.type);
        send(res, kvsError.status, requestId, kvsError.body());
      },
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
  const credential = authenticate(req, body, options);
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

function authenticate(req: IncomingMessage, body: Buffer, options: VideoHandlerOptions): CredentialRecord {
  const request = sigv4RequestOf(req, body);
  try {
    const verified = verifySigV4(request, {
      service: 'kinesisvideo',
      region: options.region,
      s3: false,
      credentials: options.credentials,
      clock: options.clock,
      clockSkewSeconds: options.clockSkewSeconds,
      maxExpirySeconds: 604_800,
    });
    // The verifier takes a non-S3 payload hash from x-amz-content-sha256 when the client sends one;
    // KVS signs the body itself, so a claimed hash must be the body's.
    if (verified.payloadHash !== request.bodySha256) throw signatureMismatch();
    return verified.credential;
  } catch (err) {
    throw err instanceof AuthError ? authError(err) : err;
  }
}

function signatureMismatch(): KvsError {
  return new KvsError(
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
  );
}

function authError(err: AuthError): KvsError {
  switch (err.code) {
    case 'InvalidAccessKeyId':
    case 'InvalidToken':
      return new KvsError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    case 'ExpiredToken':
      return new KvsError('ExpiredTokenException', 'The security token included in the request is expired');
    case 'SignatureDoesNotMatch':
      return signatureMismatch();
    case 'RequestTimeTooSkewed':
      return new KvsError('InvalidSignatureException', `Signature expired: ${err.message}`);
    case 'AccessDenied':
      return /anonymous/i.test(err.message)
        ? new KvsError('MissingAuthenticationTokenException', 'Missing Authentication Token')
        : new KvsError('IncompleteSignatureException', err.message);
    default:
      return new KvsError('IncompleteSignatureException', err.message);
  }
}

function send(res: ServerResponse, status: number, requestId: string, body: JsonObject): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}
