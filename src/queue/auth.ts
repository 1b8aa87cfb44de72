/**
 * SigV4 for the queue (service "sqs") through the shared verifier, and the mapping of its AWS auth
 * codes to what SQS's JSON endpoint answers: an unknown key is UnrecognizedClientException
 * (InvalidClientTokenId), a wrong signature InvalidSignatureException (SignatureDoesNotMatch), a request
 * outside the clock skew InvalidSignatureException (RequestExpired), all 403.
 */
import type { IncomingMessage } from 'node:http';
import {
  AuthError,
  headersFromRaw,
  parseQuery,
  verifySigV4,
  type VerifiedSigV4,
} from '../auth/sigv4/index.js';
import type { CredentialRecord, CredentialStore } from '../auth/credentials.js';
import type { Clock } from '../util/clock.js';
import { SqsError } from './errors.js';

export interface QueueAuthOptions {
  region: string;
  credentials: CredentialStore;
  clock: Clock;
  clockSkewSeconds: number;
  /**
   * Temporary credentials of an assumed role (e.g. issued by the embedded STS): may the role do
   * `sqs:<Operation>` on the queue ARN? Unset: such credentials carry no SQS permission at all.
   */
  authorizeSession?: (credential: CredentialRecord, action: `sqs:${string}`, queueArn: string) => boolean;
}

export function authenticate(
  req: IncomingMessage,
  bodySha256: string,
  options: QueueAuthOptions,
): VerifiedSigV4 {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let verified: VerifiedSigV4;
  try {
    verified = verifySigV4(
      {
        method: req.method ?? 'POST',
        rawPath: q < 0 ? url : url.slice(0, q),
        query: q < 0 ? [] : parseQuery(url.slice(q + 1)),
        headers: headersFromRaw(req.rawHeaders),
        bodySha256,
      },
      {
        service: 'sqs',
        region: options.region,
        s3: false,
        credentials: options.credentials,
        clock: options.clock,
        clockSkewSeconds: options.clockSkewSeconds,
        maxExpirySeconds: 604_800,
      },
    );
  } catch (err) {
    throw err instanceof AuthError ? toSqsError(err) : err;
  }
  // The shared verifier takes a non-S3 payload hash from x-amz-content-sha256 when the client sends
  // one (the SDK does); SQS signs the body itself, so a claimed hash must be the body's.
  if (verified.payloadHash !== bodySha256) {
    throw new SqsError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
  // Temporary credentials of an assumed role carry no SQS permission unless a role policy says so
  // (authorizeSession, checked per operation once the request is parsed).
  if (verified.credential.session !== undefined && options.authorizeSession === undefined) {
    throw new SqsError('AccessDenied', `role ${verified.credential.session.roleArn} may not use SQS`);
  }
  return verified;
}

export function toSqsError(err: AuthError): SqsError {
  switch (err.code) {
    case 'InvalidAccessKeyId':
    case 'InvalidToken':
      return new SqsError('UnrecognizedClient', 'The security token included in the request is invalid.');
    case 'SignatureDoesNotMatch':
      return new SqsError('SignatureDoesNotMatch', err.message);
    case 'RequestTimeTooSkewed':
      return new SqsError('RequestExpired', `Signature expired: ${err.message}`);
    case 'ExpiredToken':
      return new SqsError('ExpiredToken', 'The security token included in the request is expired');
    case 'AccessDenied':
      return /anonymous/i.test(err.message)
        ? new SqsError('MissingAuthenticationToken', 'Request is missing Authentication Token')
        : new SqsError('IncompleteSignature', err.message);
    default:
      return new SqsError('IncompleteSignature', err.message);
  }
}
