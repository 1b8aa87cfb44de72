/**
 * SigV4 for the Kinesis Video surfaces (service "kinesisvideo"), with failures answered as the AWS front
 * end answers them for KVS: UnrecognizedClientException for an unknown key, InvalidSignatureException
 * for a wrong signature or a request outside the clock skew, 403 each.
 */
import type { IncomingMessage } from 'node:http';
import type { CredentialRecord, CredentialStore } from '../auth/credentials.js';
import { BodyTooLargeError, readBody, sigv4RequestOf } from '../http/aws-request.js';
import { AuthError } from '../auth/sigv4/errors.js';
import { verifySigV4, type SigV4Request } from '../auth/sigv4/verify.js';
import type { Clock } from '../util/clock.js';
import { KvsError, invalidArgument } from './errors.js';

export interface KvsAuthOptions {
  region: string;
  credentials: CredentialStore;
  clock: Clock;
  clockSkewSeconds: number;
}

/** SigV4 for service kinesisvideo; answers the verified credential and the payload hash it signed. */
export function authenticateKvs(
  request: SigV4Request,
  options: KvsAuthOptions,
): { credential: CredentialRecord; payloadHash: string } {
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
    return { credential: verified.credential, payloadHash: verified.payloadHash };
  } catch (err) {
    throw err instanceof AuthError ? authError(err) : err;
  }
}

export function signatureMismatch(): KvsError {
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

/**
 * A JSON-bodied KVS request (control plane, archived media): the body read within `maxRequestBytes`
 * (413 beyond), SigV4 over it; a claimed x-amz-content-sha256 must be the body's (KVS signs the body).
 */
export async function readSignedBody(
  req: IncomingMessage,
  options: KvsAuthOptions & { maxRequestBytes: number },
): Promise<{ credential: CredentialRecord; body: Buffer }> {
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
  if (payloadHash !== request.bodySha256) throw signatureMismatch();
  return { credential, body };
}

/** The body as a JSON object (empty = {}); anything else is InvalidArgumentException. */
export function jsonObjectOf(body: Buffer): Record<string, unknown> {
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
  return json as Record<string, unknown>;
}
