/**
 * SigV4 for the Kinesis Video surfaces (service "kinesisvideo"), with failures answered as the AWS front
 * end answers them for KVS: UnrecognizedClientException for an unknown key, InvalidSignatureException
 * for a wrong signature or a request outside the clock skew, 403 each.
 */
import type { CredentialRecord, CredentialStore } from '../auth/credentials.js';
import { AuthError } from '../auth/sigv4/errors.js';
import { verifySigV4, type SigV4Request } from '../auth/sigv4/verify.js';
import type { Clock } from '../util/clock.js';
import { KvsError } from './errors.js';

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
